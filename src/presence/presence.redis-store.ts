import type Redis from 'ioredis';
import type { PresenceView, Transition } from './presence-record';
import type { PresenceReader } from '../jobs/presence-reader';
import type { PresenceStore } from './presence-store';

/** How long a user's lastSeenAt is kept after they went offline. */
const STATE_TTL_MS = 90 * 24 * 3600 * 1000;
/** A tombstone outlives any plausible partition of the node it names. */
const TOMBSTONE_TTL_MS = 3600 * 1000;

/** setSockets / addSockets of presence-record.ts. Returns 0, 1 (online) or 2 (pending). */
const SOCKETS = `
local count
if ARGV[3] == 'add' then
  count = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[4])
else
  count = tonumber(ARGV[4])
  if count > 0 then redis.call('HSET', KEYS[1], ARGV[1], count) end
end
if count > 0 then
  redis.call('SADD', KEYS[3], ARGV[2])
  redis.call('SADD', KEYS[4], ARGV[1])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[2])
end
local online = redis.call('HGET', KEYS[2], 'status') == 'online'
if redis.call('HLEN', KEYS[1]) > 0 then
  redis.call('ZREM', KEYS[5], ARGV[2])
  if online then return 0 end
  redis.call('HSET', KEYS[2], 'status', 'online')
  redis.call('PERSIST', KEYS[2])
  return 1
end
if online and redis.call('ZADD', KEYS[5], 'NX', ARGV[6], ARGV[2]) == 1 then
  redis.call('HSET', KEYS[2], 'leftAt', ARGV[5])
  return 2
end
return 0
`;

/** commitOffline of presence-record.ts. Returns lastSeenAt (ms) or nil. */
const COMMIT = `
local due = redis.call('ZSCORE', KEYS[3], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return false end
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('HLEN', KEYS[1]) > 0 then return false end
if redis.call('HGET', KEYS[2], 'status') ~= 'online' then return false end
local at = redis.call('HGET', KEYS[2], 'leftAt') or ARGV[2]
redis.call('HSET', KEYS[2], 'status', 'offline', 'lastSeenAt', at)
redis.call('HDEL', KEYS[2], 'leftAt')
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return at
`;

/** The scripts as ioredis commands (EVALSHA, and EVAL again after a Redis restart). */
type Scripted = Redis & {
  parleyPresenceSockets(...keysAndArgs: (string | number)[]): Promise<number>;
  parleyPresenceCommit(...keysAndArgs: (string | number)[]): Promise<string | null>;
};

/**
 * The presence of one cluster in Redis, every key under `<prefix>:presence:`:
 * - `sockets:<userId>` hash nodeId → how many sockets of the user that node holds;
 * - `state:<userId>` hash { status (what subscribers were told), leftAt, lastSeenAt };
 * - `node:<nodeId>` set of the users that node holds sockets of (whom to reap if it dies);
 * - `nodes` set of the nodes that have a `node:` set; `pending` zset userId → offline due
 *   time; `reaped:<nodeId>` the tombstone a reaper leaves.
 * Each step is one Lua script (atomic), so concurrent nodes never double-count a transition.
 * Assumes one Redis (not Redis Cluster): a script touches keys of several users and nodes.
 */
export class RedisPresenceStore implements PresenceStore, PresenceReader {
  private readonly key: string;
  private readonly scripted: Scripted;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:presence`;
    // defineCommand is idempotent per name: several stores may share one client.
    redis.defineCommand('parleyPresenceSockets', { numberOfKeys: 5, lua: SOCKETS });
    redis.defineCommand('parleyPresenceCommit', { numberOfKeys: 3, lua: COMMIT });
    this.scripted = redis as Scripted;
  }

  addSockets(nodeId: string, userId: string, delta: number, now: number, due: number) {
    return this.sockets(nodeId, userId, 'add', delta, now, due);
  }

  setSockets(nodeId: string, userId: string, count: number, now: number, due: number) {
    return this.sockets(nodeId, userId, 'set', count, now, due);
  }

  async commit(userId: string, now: number): Promise<number | undefined> {
    const keys = [this.k('sockets', userId), this.k('state', userId), this.k('pending')];
    const at = await this.scripted.parleyPresenceCommit(...keys, userId, now, STATE_TTL_MS);
    return at === null ? undefined : Number(at);
  }

  due(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.k('pending'), '-inf', now, 'LIMIT', 0, limit);
  }

  usersOn(nodeId: string): Promise<string[]> {
    return this.redis.smembers(this.k('node', nodeId));
  }

  nodes(): Promise<string[]> {
    return this.redis.smembers(this.k('nodes'));
  }

  async forgetNode(nodeId: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.k('node', nodeId))
      .srem(this.k('nodes'), nodeId)
      .set(this.k('reaped', nodeId), '1', 'PX', TOMBSTONE_TTL_MS)
      .exec();
  }

  async takeTombstone(nodeId: string): Promise<boolean> {
    return (await this.redis.del(this.k('reaped', nodeId))) === 1;
  }

  /** Users with a socket on any node: one pipelined HLEN per user, one round trip in all. */
  async isOnline(userIds: readonly string[]): Promise<Set<string>> {
    const online = new Set<string>();
    if (userIds.length === 0) return online;
    const pipeline = this.redis.pipeline();
    for (const id of userIds) pipeline.hlen(this.k('sockets', id));
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([err, fields], i) => {
      if (err) throw err;
      // The scripts delete a node's field when its count reaches 0.
      if (Number(fields) > 0) online.add(userIds[i]);
    });
    return online;
  }

  async read(userIds: readonly string[]): Promise<Map<string, PresenceView>> {
    const pipeline = this.redis.pipeline();
    for (const id of userIds) pipeline.hmget(this.k('state', id), 'status', 'lastSeenAt');
    const replies = (await pipeline.exec()) ?? [];
    return new Map(
      userIds.map((id, i) => {
        const [err, value] = replies[i] ?? [new Error('no reply')];
        if (err) throw err;
        const [status, lastSeenAt] = value as (string | null)[];
        const view: PresenceView =
          status === 'online'
            ? { status: 'online', lastSeenAt: null }
            : { status: 'offline', lastSeenAt: lastSeenAt ? Number(lastSeenAt) : null };
        return [id, view];
      }),
    );
  }

  private async sockets(
    nodeId: string,
    userId: string,
    mode: 'add' | 'set',
    n: number,
    now: number,
    due: number,
  ): Promise<Transition> {
    const keys = [
      this.k('sockets', userId),
      this.k('state', userId),
      this.k('node', nodeId),
      this.k('nodes'),
      this.k('pending'),
    ];
    const result = await this.scripted.parleyPresenceSockets(
      ...keys,
      nodeId,
      userId,
      mode,
      n,
      now,
      due,
    );
    return result === 1 ? 'online' : result === 2 ? 'pending' : undefined;
  }

  private k(...parts: string[]): string {
    return [this.key, ...parts].join(':');
  }
}
