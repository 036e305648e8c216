import type Redis from 'ioredis';

/** Deletes the lock only while it still holds this claim's value. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/** A claim lock outlives any send that verifies and stores its attachments. */
export const CLAIM_LOCK_MS = 10 * 60_000;

export type ClaimOutcome = 'acquired' | 'ours' | 'taken';

/**
 * One lock per attachment, so that of two sends naming the same pending upload only one goes
 * on to verify and attach it (FerretDB's updates are read-modify-write, not compare-and-set).
 * The lock's value is the send's claim key (`<userId>/<clientMessageId>`), so a client that
 * retries the same send is let through and the actor answers it with the stored original.
 * The lock only guards the pending → uploaded step: the row's status is the durable truth.
 */
export class AttachmentClaims {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  private key(id: string) {
    return `${this.prefix}:attachment-claim:${id}`;
  }

  async acquire(id: string, claimKey: string): Promise<ClaimOutcome> {
    const set = await this.redis.set(this.key(id), claimKey, 'PX', this.ttlMs, 'NX');
    if (set === 'OK') return 'acquired';
    return (await this.redis.get(this.key(id))) === claimKey ? 'ours' : 'taken';
  }

  async release(id: string, claimKey: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(id), claimKey);
  }
}
