// Mints a dev token: `npm run token -- <user-uuid> [ttlSeconds]`.
// Signs HS256 with AUTH_JWT_SECRET from the environment, else from .stack/env.
import { readFileSync, existsSync } from 'node:fs';
import { SignJWT } from 'jose';

const [sub, ttl = '3600'] = process.argv.slice(2);
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
if (!sub || !uuid.test(sub)) {
  console.error('usage: npm run token -- <user-uuid> [ttlSeconds]');
  process.exit(2);
}
const envFile = new URL('../.stack/env', import.meta.url);
const fileEnv = existsSync(envFile)
  ? Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l))
        .filter(Boolean)
        .map((m) => [m[1], m[2]]),
    )
  : {};
const secret = process.env.AUTH_JWT_SECRET ?? fileEnv.AUTH_JWT_SECRET;
if (!secret) {
  console.error(
    'token: AUTH_JWT_SECRET is not set and .stack/env has none (run `npm run stack:up`)',
  );
  process.exit(1);
}
const token = await new SignJWT({})
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(sub)
  .setAudience(process.env.AUTH_AUDIENCE ?? fileEnv.AUTH_AUDIENCE ?? 'chat')
  .setIssuedAt()
  .setExpirationTime(`${Number(ttl)}s`)
  .sign(new TextEncoder().encode(secret));
console.log(token);
