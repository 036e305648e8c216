import type Redis from 'ioredis';

/** What a delivery job must know before it runs, read in one round trip. */
export interface LedgerEntry {
  /** The event ids recorded for the message, or null when none were. */
  recorded: string[] | null;
  /** The conversation was deleted: its jobs notify nobody. */
  closed: boolean;
}

/**
 * What a delivery job already published, so a job that runs again (a stalled worker's job,
 * a retry after the publish succeeded) publishes nothing new. Written after Kafka acknowledged
 * the events: a worker killed between the two leaves the job unrecorded, and its re-run
 * publishes the same event ids again (consumers deduplicate by id). Entries expire with the
 * queue's own memory of finished jobs.
 *
 * It also remembers deleted conversations (told by the relay, in order after the
 * conversation's messages), so a job that carries its recipients and reads no conversation
 * still notifies nobody once its conversation is deleted.
 */
export interface NotificationLedger {
  lookup(messageId: string, conversationId: string): Promise<LedgerEntry>;
  record(messageId: string, eventIds: readonly string[]): Promise<void>;
  close(conversationIds: readonly string[]): Promise<void>;
}

const TTL_SECONDS = 24 * 3600;
/** Longer than any delivery job waits and retries (DELIVERY_ATTEMPTS, exponential from 1 s). */
const CLOSED_TTL_SECONDS = 7 * 24 * 3600;

export class RedisNotificationLedger implements NotificationLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async lookup(messageId: string, conversationId: string): Promise<LedgerEntry> {
    const [value, closed] = await this.redis.mget(this.key(messageId), this.closed(conversationId));
    return { recorded: value ? (JSON.parse(value) as string[]) : null, closed: closed !== null };
  }

  async record(messageId: string, eventIds: readonly string[]): Promise<void> {
    await this.redis.set(this.key(messageId), JSON.stringify(eventIds), 'EX', TTL_SECONDS);
  }

  async close(conversationIds: readonly string[]): Promise<void> {
    if (conversationIds.length === 0) return;
    const multi = this.redis.multi();
    for (const id of conversationIds) multi.set(this.closed(id), '1', 'EX', CLOSED_TTL_SECONDS);
    const replies = await multi.exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw failed?.[0] ?? new Error('closing conversations failed');
  }

  private key(messageId: string): string {
    return `${this.prefix}:notified:${messageId}`;
  }

  private closed(conversationId: string): string {
    return `${this.prefix}:notified:closed:${conversationId}`;
  }
}
