import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  expiredToken,
  forgedToken,
  noneToken,
  signedToken,
  tokenFor,
  unsignedToken,
  wrongAudienceToken,
} from '../../test/support/tokens';
import { ChatError } from '../common/chat-error';
import { loadConfig } from '../config/load-config';
import { AuthService } from './auth.service';

const SECRET = 'unit-test-secret-0123456789abcdef';
const ALICE = '0190b3c0-7b5e-7c1a-8f00-123456789abc'; // a v7 UUID
const base = {
  MONGO_URL: 'mongodb://127.0.0.1:1/unused',
  REDIS_URL: 'redis://127.0.0.1:1',
  KAFKA_BROKERS: '127.0.0.1:1',
  S3_BUCKET: 'unused',
};
const service = (env: Record<string, string>) => new AuthService(loadConfig({ ...base, ...env }));

async function refusal(work: Promise<unknown>): Promise<ChatError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChatError);
  return err as ChatError;
}

describe('AuthService with AUTH_JWT_SECRET (HS256)', () => {
  const auth = service({ AUTH_JWT_SECRET: SECRET });
  const refused = async (token: Promise<string> | string, message = 'invalid token') => {
    const err = await refusal(auth.verify(await token));
    expect(err.code).toBe('unauthorized');
    expect(err.message).toBe(message);
  };

  it('accepts a valid token and answers the user and the expiry', async () => {
    const before = Date.now();
    const verified = await auth.verify(await tokenFor(ALICE, { secret: SECRET }));
    expect(verified.userId).toBe(ALICE);
    expect(verified.expiresAt).toBeGreaterThan(before + 3_500_000);
    expect(verified.expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });

  it('lower-cases an upper-case sub so ids compare equal everywhere', async () => {
    const token = await tokenFor(ALICE.toUpperCase(), { secret: SECRET });
    expect((await auth.verify(token)).userId).toBe(ALICE);
  });

  it('refuses an expired token, saying so', () =>
    refused(expiredToken(ALICE, SECRET), 'token expired'));
  it('refuses another audience', () => refused(wrongAudienceToken(ALICE, SECRET)));
  it('refuses alg none', () => refused(noneToken(ALICE)));
  it('refuses alg none built by hand', () =>
    refused(unsignedToken({ sub: ALICE, aud: 'chat', exp: Math.floor(Date.now() / 1000) + 60 })));
  it('refuses a token signed with another secret', () => refused(forgedToken(ALICE)));
  it('refuses a missing sub', () =>
    refused(signedToken({ aud: 'chat', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET)));
  it('refuses a sub that is not a UUID', () =>
    refused(tokenFor('alice', { secret: SECRET }), 'invalid token: sub must be a UUID'));
  it('refuses a token without exp', () =>
    refused(signedToken({ sub: ALICE, aud: 'chat' }, SECRET)));
  it.each(['', 'garbage', 'a.b.c', 'x'.repeat(9000)])('refuses malformed input %#', (token) =>
    refused(token),
  );

  it('checks the issuer when one is configured', async () => {
    const strict = service({ AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'https://id.example' });
    const good = await tokenFor(ALICE, { secret: SECRET, issuer: 'https://id.example' });
    expect((await strict.verify(good)).userId).toBe(ALICE);
    const err = await refusal(strict.verify(await tokenFor(ALICE, { secret: SECRET })));
    expect(err.code).toBe('unauthorized');
  });
});

describe('AuthService with AUTH_JWKS_URL (RS256 from a real local JWKS endpoint)', () => {
  let server: Server;
  let url: string;
  let privateKey: CryptoKey;
  let up = true;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((req, res) => {
      if (!up || req.url !== '/jwks.json') return res.writeHead(up ? 404 : 500).end();
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const rs256 = (key: CryptoKey, claims: { sub?: string; aud?: string; kid?: string } = {}) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: claims.kid ?? 'k1' })
      .setSubject(claims.sub ?? ALICE)
      .setAudience(claims.aud ?? 'chat')
      .setExpirationTime('5m')
      .sign(key);

  it('accepts a token signed by a key of the set', async () => {
    const auth = service({ AUTH_JWKS_URL: url });
    expect((await auth.verify(await rs256(privateKey))).userId).toBe(ALICE);
  });

  it('refuses a token signed by a key outside the set', async () => {
    const other = await generateKeyPair('RS256');
    const err = await refusal(
      service({ AUTH_JWKS_URL: url }).verify(await rs256(other.privateKey)),
    );
    expect(err.code).toBe('unauthorized');
  });

  it('refuses HS256 when only a JWKS is configured', async () => {
    const err = await refusal(
      service({ AUTH_JWKS_URL: url }).verify(await tokenFor(ALICE, { secret: SECRET })),
    );
    expect(err.code).toBe('unauthorized');
  });

  it('accepts both kinds when both sources are configured', async () => {
    const auth = service({ AUTH_JWKS_URL: url, AUTH_JWT_SECRET: SECRET });
    expect((await auth.verify(await rs256(privateKey))).userId).toBe(ALICE);
    expect((await auth.verify(await tokenFor(ALICE, { secret: SECRET }))).userId).toBe(ALICE);
  });

  it('answers unavailable (temporary), not unauthorized, when the key set cannot be fetched', async () => {
    const auth = service({ AUTH_JWKS_URL: url }); // fresh: nothing cached yet
    up = false;
    try {
      const err = await refusal(auth.verify(await rs256(privateKey)));
      expect(err.code).toBe('unavailable');
      expect(err.temporary).toBe(true);
    } finally {
      up = true;
    }
  });
});
