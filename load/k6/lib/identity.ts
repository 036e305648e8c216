/*
 * Who each test user is and the token it presents, from one of two sources:
 * - PARLEY_TOKEN_SECRET: the deployment's HS256 secret (AUTH_JWT_SECRET). Users are made up
 *   per run (`userIdFor(runId, index)`) and each VU signs its own tokens with k6/crypto.
 * - PARLEY_TOKENS_FILE: one token per line, minted by the deployment's identity service;
 *   user `index` is line `index` (its `sub` is read from the token). Use an absolute path.
 */
import crypto from 'k6/crypto';
import { SharedArray } from 'k6/data';
import encoding from 'k6/encoding';
import { signToken, tokenSubject, userIdFor } from './chat.ts';
import { duration, optional, text } from './env.ts';

const secret = optional('PARLEY_TOKEN_SECRET');
const file = optional('PARLEY_TOKENS_FILE');
const audience = text('PARLEY_TOKEN_AUDIENCE', 'chat');
const issuer = optional('PARLEY_TOKEN_ISSUER');
const ttlSeconds = Math.ceil(duration('PARLEY_TOKEN_TTL', '2h') / 1000);

if (!secret === !file) {
  throw new Error('set exactly one of PARLEY_TOKEN_SECRET and PARLEY_TOKENS_FILE');
}

// open() and SharedArray belong to the init stage: the lines are read once and shared by VUs.
const fileTokens: string[] = file
  ? new SharedArray('parley tokens', () =>
      open(file)
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.length > 0 && !line.startsWith('#')),
    )
  : [];

const signed = new Map<string, string>();

/** A fresh run id (20 hex digits): it names this run's users, rooms and clientMessageIds. */
export function newRunId(): string {
  return crypto.sha256(crypto.randomBytes(16), 'hex').slice(0, 20);
}

/** Fails early when a token file cannot cover `users` test users. */
export function requireUsers(users: number): void {
  if (file && fileTokens.length < users) {
    throw new Error(`PARLEY_TOKENS_FILE has ${fileTokens.length} tokens; this run needs ${users}`);
  }
}

export function userId(runId: string, index: number): string {
  if (!file) return userIdFor(runId, index);
  return tokenSubject(tokenAt(index), (part) => encoding.b64decode(part, 'rawurl', 's'));
}

export function token(runId: string, index: number): string {
  if (file) return tokenAt(index);
  const key = `${runId}:${index}`;
  let t = signed.get(key);
  if (t === undefined) {
    const now = Math.floor(Date.now() / 1000);
    t = signToken(
      { sub: userIdFor(runId, index), aud: audience, iss: issuer, iat: now, exp: now + ttlSeconds },
      (s) => encoding.b64encode(s, 'rawurl'),
      (input) => crypto.hmac('sha256', secret!, input, 'base64rawurl'),
    );
    signed.set(key, t);
  }
  return t;
}

function tokenAt(index: number): string {
  const t = fileTokens[index];
  if (t === undefined) throw new Error(`PARLEY_TOKENS_FILE has no token for user ${index}`);
  return t;
}
