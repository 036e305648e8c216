import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, JWTVerifyGetKey, jwtVerify } from 'jose';
import { ChatError } from '../common/chat-error';
import { userId } from '../common/schemas';
import { AppConfig } from '../config/app-config';

export interface VerifiedToken {
  /** The token's `sub`, a lower-cased UUID: the only identity a request or socket acts as. */
  userId: string;
  /** When the token stops being valid, in ms since the epoch (sockets are cut then). */
  expiresAt: number;
}

// A JWT is a few hundred bytes; anything far larger is refused before any parsing.
const MAX_TOKEN_LENGTH = 8 * 1024;

// jose errors that say the key set could not be fetched, not that the token is bad.
const KEY_SOURCE_FAILURES = new Set(['ERR_JOSE_GENERIC', 'ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);

/**
 * Verifies the bearer tokens another service issues (CONTRACT.md, Identity): HS256 with
 * AUTH_JWT_SECRET and/or RS256/ES256 from AUTH_JWKS_URL. Algorithms are pinned per key
 * source, so an HS256 token can never be checked against a public key and `alg: none` is
 * always refused. A bad token is `unauthorized`; an unreachable JWKS endpoint is
 * `unavailable` (temporary), so clients retry instead of discarding a good token.
 */
@Injectable()
export class AuthService {
  private readonly key: JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly audience: string;
  private readonly issuer?: string;

  constructor(config: AppConfig) {
    const { jwtSecret, jwksUrl, audience, issuer } = config.auth;
    const secret = jwtSecret ? new TextEncoder().encode(jwtSecret) : undefined;
    // jose caches the set, refetches on an unknown `kid` (at most every 30 s) and bounds
    // each fetch, so a token with a made-up kid cannot make us hammer the endpoint.
    const jwks = jwksUrl
      ? createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 3000 })
      : undefined;
    this.algorithms = [...(secret ? ['HS256'] : []), ...(jwks ? ['RS256', 'ES256'] : [])];
    this.audience = audience;
    this.issuer = issuer;
    this.key = async (header, token) => {
      if (header.alg === 'HS256' && secret) return secret;
      if (!jwks) throw new errors.JOSEAlgNotAllowed('no key for this algorithm');
      try {
        return await jwks(header, token);
      } catch (err) {
        if (!(err instanceof errors.JOSEError) || KEY_SOURCE_FAILURES.has(err.code)) {
          throw ChatError.unavailable('token signing keys are unavailable; retry later', err);
        }
        throw err;
      }
    };
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw ChatError.unauthorized('invalid token');
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: this.algorithms,
        audience: this.audience,
        issuer: this.issuer,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      if (err instanceof ChatError) throw err;
      throw ChatError.unauthorized(
        err instanceof errors.JWTExpired ? 'token expired' : 'invalid token',
      );
    }
    const sub = userId.safeParse(payload.sub);
    if (!sub.success) throw ChatError.unauthorized('invalid token: sub must be a UUID');
    // requiredClaims made jose check that `exp` is present, numeric and in the future.
    return { userId: sub.data, expiresAt: (payload.exp as number) * 1000 };
  }
}
