import type Redis from 'ioredis';
import type { Logger } from 'pino';

/**
 * Each user's live conversation ids, cached in Redis so that connecting, `sync` and the
 * membership checks of reads never wait on MongoDB.
 *
 * Contracts:
 * - The database is the truth: a missing set (never built, evicted, FLUSHALL, a new Redis)
 *   is rebuilt from it by `ids`, so a lost cache costs one query, never a wrong answer.
 * - Every membership change is applied after its database write by `apply`, which bumps the
 *   user's version first; a rebuild stores what it read only if the version did not move
 *   meanwhile, so a rebuild that raced a change never resurrects the old membership.
 * - A complete set holds the marker `*`, so "no conversations" is a cached answer too.
 * - When Redis cannot be reached the answer comes from the database (slower, still exact).
 */
export class UserConversationsCache {
  private readonly redis: Scripted;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly ttlMs = 7 * 24 * 3600 * 1000,
  ) {
    this.redis = redis as Scripted;
    if (!('parleyUconvFill' in redis)) {
      redis.defineCommand('parleyUconvFill', { numberOfKeys: 2, lua: FILL });
      redis.defineCommand('parleyUconvApply', { numberOfKeys: 2, lua: APPLY });
    }
  }

  /** The user's live conversation ids; `load` reads them from the database on a miss. */
  async ids(userId: string, load: () => Promise<string[]>): Promise<string[]> {
    const [set, version] = this.keys(userId);
    let cached: string[] | null = null;
    let seen: string;
    try {
      const replies = await this.redis.multi().smembers(set).get(version).exec();
      const [members, ver] = (replies ?? []).map(([err, value]) => {
        if (err) throw err;
        return value;
      }) as [string[], string | null];
      if (members.includes(MARKER)) cached = members.filter((m) => m !== MARKER);
      seen = ver ?? '';
    } catch (err) {
      this.logger.warn({ err, userId }, 'conversation cache unreachable; reading the database');
      return load();
    }
    if (cached) return cached;
    const ids = await load();
    await this.redis
      .parleyUconvFill(set, version, seen, this.ttlMs, MARKER, ...ids)
      .catch((err: unknown) => this.logger.warn({ err, userId }, 'conversation cache fill failed'));
    return ids;
  }

  /**
   * Applies membership changes already written to the database. Never throws: on a failure
   * the users' sets are dropped (in the background, retried until Redis answers) so that
   * their next read rebuilds them from the database.
   */
  async apply(changes: readonly { userId: string; add?: string[]; remove?: string[] }[]) {
    if (changes.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { userId, add = [], remove = [] } of changes) {
      const [set, version] = this.keys(userId);
      (pipeline as unknown as Scripted).parleyUconvApply(
        set,
        version,
        this.ttlMs,
        add.length,
        ...add,
        ...remove,
      );
    }
    try {
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.filter(([err]) => err);
      if (failed.length) throw failed[0][0];
    } catch (err) {
      const users = changes.map((c) => c.userId);
      this.logger.warn({ err, users }, 'conversation cache update failed; dropping the sets');
      this.dropUntilDone(users, 250);
    }
  }

  private dropUntilDone(users: readonly string[], delayMs: number): void {
    setTimeout(() => {
      const pipeline = this.redis.pipeline();
      for (const userId of users) {
        const [set, version] = this.keys(userId);
        pipeline.incr(version).pexpire(version, this.ttlMs).del(set);
      }
      pipeline
        .exec()
        .then((replies) => {
          if (!replies || replies.some(([err]) => err)) throw new Error('drop failed');
        })
        .catch(() => this.dropUntilDone(users, Math.min(delayMs * 2, 10_000)));
    }, delayMs).unref();
  }

  private keys(userId: string): [string, string] {
    // One hash slot per user (Redis Cluster): the set and its version move together.
    const base = `${this.prefix}:uconv:{${userId}}`;
    return [base, `${base}:v`];
  }
}

const MARKER = '*';

/** KEYS: set, version. ARGV: version seen before the read, ttl ms, marker, ids... */
const FILL = `
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SADD', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: set, version. ARGV: ttl ms, number of adds, adds..., removes... */
const APPLY = `
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local adds = tonumber(ARGV[2])
for i = 3, 2 + adds do redis.call('SADD', KEYS[1], ARGV[i]) end
for i = 3 + adds, #ARGV do redis.call('SREM', KEYS[1], ARGV[i]) end
return 1
`;

type Scripted = Redis & {
  parleyUconvFill(...keysAndArgs: (string | number)[]): Promise<number>;
  parleyUconvApply(...keysAndArgs: (string | number)[]): Promise<number>;
};
