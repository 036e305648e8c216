import type Redis from 'ioredis';

/**
 * Where nodes announce themselves (the port behind ClusterMembership). Entries carry their own
 * expiry, written by the announcing node from its clock and compared against the reading
 * node's clock: this assumes clock skew between nodes ≪ CLUSTER_NODE_TTL_MS (NTP keeps it to
 * milliseconds; the TTL is seconds). A node whose clock runs ahead prunes others early.
 */
export interface NodeRegistry {
  /**
   * Atomically, in one round trip: drops entries that expired at `now`, (re)announces
   * `nodeId` until `expiresAt`, and returns the ids still live (expiry > now). Idempotent.
   */
  beat(nodeId: string, expiresAt: number, now: number): Promise<string[]>;
  /** Removes `nodeId` at once (a clean leave); a no-op when absent. */
  remove(nodeId: string): Promise<void>;
}

/** A sorted set `<prefix>:nodes`, member = node id, score = expiry in ms since the epoch. */
export class RedisNodeRegistry implements NodeRegistry {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix = 'parley',
  ) {
    this.key = `${prefix}:nodes`;
  }

  async beat(nodeId: string, expiresAt: number, now: number): Promise<string[]> {
    // MULTI/EXEC: one round trip, applied atomically, no script to load.
    const results = await this.redis
      .multi()
      .zremrangebyscore(this.key, '-inf', now)
      .zadd(this.key, expiresAt, nodeId)
      .zrangebyscore(this.key, `(${now}`, '+inf')
      .exec();
    if (!results) throw new Error('cluster heartbeat transaction was aborted');
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
    return results[2][1] as string[];
  }

  async remove(nodeId: string): Promise<void> {
    await this.redis.zrem(this.key, nodeId);
  }
}

/** In-process registry for unit tests: several memberships may share one. */
export class MemoryNodeRegistry implements NodeRegistry {
  readonly entries = new Map<string, number>();
  /** Set to an error to simulate an unreachable registry. */
  failure?: Error;

  async beat(nodeId: string, expiresAt: number, now: number): Promise<string[]> {
    if (this.failure) throw this.failure;
    for (const [id, expiry] of this.entries) if (expiry <= now) this.entries.delete(id);
    this.entries.set(nodeId, expiresAt);
    return [...this.entries.keys()];
  }

  async remove(nodeId: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.entries.delete(nodeId);
  }
}
