import type Redis from 'ioredis';

export const CHANGE_VOUCHES = Symbol('CHANGE_VOUCHES');

/**
 * Events whose change the writer saw stored, so the relay can publish them without reading
 * MongoDB to verify them (see change-log.ts for why it otherwise reads).
 *
 * Contract:
 * - `vouch` an event only once the write that makes its change true resolved: never for a
 *   write that was refused or whose outcome is unknown. A vouch says "stored", nothing less.
 * - A vouch may be lost (Redis restarted or flushed, trimmed by age or count, dropped while
 *   Redis is slow): the relay then verifies in MongoDB as before. Losing one costs a read,
 *   never an event, and never makes an event of an unstored change publishable.
 * - `vouch` never waits for Redis and never throws: an acknowledgement does not wait on it.
 */
export interface ChangeVouches {
  vouch(eventIds: readonly string[]): void;
  /**
   * Which of `eventIds` were vouched for, taking them out (the relay remembers what it
   * verified until it published it). Rejects when the store cannot answer.
   */
  take(eventIds: readonly string[]): Promise<Set<string>>;
}

export interface VouchOptions {
  /** Vouches older than this are trimmed (the relay then reads MongoDB for their events). */
  ttlMs: number;
  /** At most this many vouches are kept; the oldest go first. */
  maxEntries: number;
  /** At most this many ids wait for the next write while one is in flight; more are dropped. */
  maxPending?: number;
  now?: () => number;
}

/**
 * ChangeVouches in one Redis sorted set per cluster (`<prefix>:outbox:vouched`, scored by
 * the time of the vouch). One round trip per write (ZADD and the trims, pipelined) and one
 * per relay round (ZMSCORE and ZREM). At most one write is in flight: what is vouched
 * meanwhile goes in the next, so a slow Redis never piles up commands.
 */
export class RedisChangeVouches implements ChangeVouches {
  private pending: string[] = [];
  private writing?: Promise<void>;
  private readonly key: string;
  private readonly now: () => number;
  private readonly maxPending: number;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly options: VouchOptions,
  ) {
    this.key = `${prefix}:outbox:vouched`;
    this.now = options.now ?? Date.now;
    this.maxPending = options.maxPending ?? 10_000;
  }

  vouch(eventIds: readonly string[]): void {
    const room = this.maxPending - this.pending.length;
    if (room <= 0 || eventIds.length === 0) return;
    this.pending.push(...eventIds.slice(0, room));
    this.writing ??= this.write();
  }

  async take(eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const ids = [...eventIds];
    const replies = await this.redis
      .pipeline()
      .zmscore(this.key, ...ids)
      .zrem(this.key, ...ids)
      .exec();
    const [err, scores] = replies?.[0] ?? [new Error('no reply')];
    if (err) throw err;
    return new Set(ids.filter((_, i) => (scores as (string | null)[])[i] !== null));
  }

  /** Resolves once every id vouched so far was written (or its write failed). */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Always awaits before it ends (so `writing` is set before it is cleared). */
  private async write(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const ids = this.pending;
        this.pending = [];
        const now = this.now();
        // A failed write loses these vouches: their events are verified in MongoDB.
        await this.redis
          .pipeline()
          .zadd(this.key, ...ids.flatMap((id) => [now, id]))
          .zremrangebyscore(this.key, '-inf', now - this.options.ttlMs)
          .zremrangebyrank(this.key, 0, -(this.options.maxEntries + 1))
          .exec()
          .catch(() => undefined);
      }
    } finally {
      this.writing = undefined;
    }
  }
}
