import { randomBytes } from 'node:crypto';
import { JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { stackEnv } from './stack-env';

export interface TokenOptions {
  /** jose duration ('1h', '-5m') or seconds from now (negative: already expired). */
  expiresIn?: string | number;
  audience?: string;
  /** Defaults to AUTH_JWT_SECRET of the stack (stackEnv()); unit tests pass their own. */
  secret?: string;
  /** 'none' builds an unsigned token, which the service must refuse. */
  alg?: 'none';
  issuer?: string;
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token for `userId` as the identity service would issue it (HS256, aud `chat`, 1 h). */
export async function tokenFor(userId: string, opts: TokenOptions = {}): Promise<string> {
  const { expiresIn = '1h', audience = 'chat', issuer } = opts;
  const exp = typeof expiresIn === 'number' ? nowSeconds() + expiresIn : expiresIn;
  const claims = <T extends SignJWT | UnsecuredJWT>(jwt: T): T => {
    jwt.setSubject(userId).setAudience(audience).setIssuedAt().setExpirationTime(exp);
    if (issuer) jwt.setIssuer(issuer);
    return jwt;
  };
  // jose's UnsecuredJWT writes the `{"alg":"none"}` header and an empty signature.
  if (opts.alg === 'none') return claims(new UnsecuredJWT({})).encode();
  return claims(new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })).sign(
    secretKey(opts.secret),
  );
}

/** Signs exactly `payload` with HS256 (no claims added): for missing or malformed claims. */
export async function signedToken(payload: JWTPayload, secret?: string): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(secretKey(secret));
}

/** `{"alg":"none"}` header, the payload, and an empty signature. */
export function unsignedToken(payload: JWTPayload): string {
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}

/** Signed correctly, expired a minute ago. */
export const expiredToken = (userId: string, secret?: string) =>
  tokenFor(userId, { expiresIn: -60, secret });

/** Signed correctly, for another service's audience. */
export const wrongAudienceToken = (userId: string, secret?: string) =>
  tokenFor(userId, { audience: 'not-chat', secret });

/** Well-formed but signed with a secret the service does not know. */
export const forgedToken = (userId: string) =>
  tokenFor(userId, { secret: randomBytes(32).toString('hex') });

/** An unsigned `alg: none` token that would otherwise be valid. */
export const noneToken = (userId: string) => tokenFor(userId, { alg: 'none' });

/** Request headers carrying `token`. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function secretKey(secret?: string): Uint8Array {
  const value = secret ?? stackEnv().AUTH_JWT_SECRET;
  if (!value) throw new Error('tokens: no AUTH_JWT_SECRET in the stack environment');
  return new TextEncoder().encode(value);
}
