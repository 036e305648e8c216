/*
 * Parley's `/chat` wire as the k6 scenarios use it, and the bookkeeping they share: ack
 * answers, send stamps, per-conversation seq logs, test identities and tokens, durations and
 * schedules. Pure (no k6, no Node imports) so jest tests it; see ../../../../shared/CONTRACT.md.
 */
import type { AckReply } from './socketio.ts';

export const CHAT_NAMESPACE = '/chat';

export interface WireError {
  code: string;
  message: string;
  retryAfterMs?: number;
}
/** `{ ok: true, data }` or `{ ok: false, error }`; `ack_timeout`, `disconnected` and `bad_ack` are local. */
export type AckAnswer<T> = { ok: true; data: T } | { ok: false; error: WireError };

/** The fields of a message the scenarios read. */
export interface ChatMessage {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  content: string | null;
  clientMessageId?: string;
}
export type SyncAnswer = Record<string, { messages: ChatMessage[]; hasMore: boolean }>;

export function answerOf<T>(reply: AckReply): AckAnswer<T> {
  if ('failed' in reply) {
    return reply.failed === 'timeout'
      ? { ok: false, error: { code: 'ack_timeout', message: 'no acknowledgement in time' } }
      : { ok: false, error: { code: 'disconnected', message: 'the connection closed first' } };
  }
  const answer = reply.args[0] as Partial<{ ok: unknown; data: unknown; error: WireError }>;
  if (answer && answer.ok === true) return { ok: true, data: answer.data as T };
  if (answer && answer.ok === false && answer.error && typeof answer.error.code === 'string') {
    return { ok: false, error: answer.error };
  }
  return { ok: false, error: { code: 'bad_ack', message: 'ack is not { ok, data | error }' } };
}

// ---- send stamps ----------------------------------------------------------------------------

const STAMP = /^k6 (\d{1,16}) ([A-Za-z0-9._:-]{1,64})(?: |$)/;

/**
 * Message content that carries when the send was due (ms since the epoch) and who sent it,
 * padded to `size` characters. Receivers in other VUs (or other k6 instances with synced
 * clocks) time the delivery from it.
 */
export function stampContent(dueAt: number, origin: string, size = 0): string {
  const head = `k6 ${Math.round(dueAt)} ${origin}`;
  return head.length >= size ? head : `${head} ${'.'.repeat(size - head.length - 1)}`;
}

export function readStamp(content: string | null): { dueAt: number; origin: string } | undefined {
  const m = content === null ? null : STAMP.exec(content);
  return m ? { dueAt: Number(m[1]), origin: m[2] } : undefined;
}

// ---- what a client saw of one conversation --------------------------------------------------

/**
 * The seqs a client has seen in one conversation. `seq` is gap-free from 1 (the contract), so
 * `cursor` (every seq up to it seen) is what the client passes to `sync`, and `gaps` counts
 * the seqs below the highest seen that never arrived.
 */
export class SeqLog {
  cursor = 0;
  max = 0;
  private readonly above = new Set<number>();

  constructor(start = 0) {
    this.cursor = start;
    this.max = start;
  }

  /** Records `seq`; false when it was seen before (a duplicate or an overlap of a sync). */
  see(seq: number): boolean {
    if (!Number.isInteger(seq) || seq < 1) throw new Error(`not a seq: ${seq}`);
    if (seq <= this.cursor || this.above.has(seq)) return false;
    this.above.add(seq);
    if (seq > this.max) this.max = seq;
    while (this.above.delete(this.cursor + 1)) this.cursor++;
    return true;
  }

  has(seq: number): boolean {
    return seq <= this.cursor || this.above.has(seq);
  }

  get gaps(): number {
    return this.max - this.cursor - this.above.size;
  }
}

// ---- identities -----------------------------------------------------------------------------

/**
 * A user id for test user `index` of run `runId` (at least 18 hex digits): a version-4-shaped
 * UUID whose last group is the index, so every VU derives its user without shared state.
 */
export function userIdFor(runId: string, index: number): string {
  if (!/^[0-9a-f]{18,}$/.test(runId)) throw new Error('runId must be at least 18 hex digits');
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 48) throw new Error('bad index');
  const r = runId;
  const tail = index.toString(16).padStart(12, '0');
  return `${r.slice(0, 8)}-${r.slice(8, 12)}-4${r.slice(12, 15)}-8${r.slice(15, 18)}-${tail}`;
}

export interface TokenClaims {
  sub: string;
  aud: string;
  iss?: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

/**
 * An HS256 JWT. `b64url` encodes a string's UTF-8 bytes as unpadded base64url and `hmac`
 * answers the unpadded base64url HMAC-SHA256 of its input with the secret (k6:
 * `encoding.b64encode(s, 'rawurl')` and `crypto.hmac('sha256', secret, s, 'base64rawurl')`).
 */
export function signToken(
  claims: TokenClaims,
  b64url: (text: string) => string,
  hmac: (input: string) => string,
): string {
  const body: Record<string, unknown> = { sub: claims.sub, aud: claims.aud, iat: claims.iat };
  if (claims.iss !== undefined) body.iss = claims.iss;
  body.exp = claims.exp;
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(body))}`;
  return `${input}.${hmac(input)}`;
}

/** The `sub` of a JWT, unverified (`decode` turns base64url into the JSON text). */
export function tokenSubject(token: string, decode: (b64url: string) => string): string {
  const part = token.split('.')[1];
  let sub: unknown;
  try {
    sub = part ? (JSON.parse(decode(part)) as { sub?: unknown }).sub : undefined;
  } catch {
    sub = undefined;
  }
  if (typeof sub !== 'string') throw new Error('token has no readable sub claim');
  return sub.toLowerCase();
}

// ---- parameters and schedules ---------------------------------------------------------------

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** k6-style durations (`500ms`, `30s`, `1m30s`, `2h`) in milliseconds. */
export function parseDuration(text: string): number {
  const parts = text.trim().match(/\d+(?:\.\d+)?(?:ms|s|m|h)/g);
  if (!parts || parts.join('') !== text.trim()) throw new Error(`not a duration: "${text}"`);
  return parts.reduce((ms, p) => {
    const [, n, unit] = /^([\d.]+)(ms|s|m|h)$/.exec(p)!;
    return ms + Number(n) * UNIT_MS[unit];
  }, 0);
}

/** Which room and which member of it VU `vuIndex` (0-based) plays. */
export function memberOf(vuIndex: number, roomSize: number): { room: number; member: number } {
  return { room: Math.floor(vuIndex / roomSize), member: vuIndex % roomSize };
}

/**
 * Open loop: when send `k` (0-based) of sender `sender` of `senders` is due, for a room sending
 * `rate` messages per second in total, the senders taking turns. The schedule never depends on
 * when earlier sends were answered, so a slow server cannot slow the offered load down.
 */
export function dueAt(
  startAt: number,
  rate: number,
  senders: number,
  sender: number,
  k: number,
): number {
  return startAt + ((k * senders + sender) * 1000) / rate;
}
