import type Redis from 'ioredis';

/**
 * What a delivery job already published, so a job that runs again (a stalled worker's job,
 * a retry after the publish succeeded) publishes nothing new. Written after Kafka acknowledged
 * the events: a worker killed between the two leaves the job unrecorded, and its re-run
 * publishes the same event ids again (consumers deduplicate by id). Entries expire with the
 * queue's own memory of finished jobs.
 */
export interface NotificationLedger {
  /** The event ids recorded for `messageId`, or null when none were. */
  recorded(messageId: string): Promise<string[] | null>;
  record(messageId: string, eventIds: readonly string[]): Promise<void>;
}

const TTL_SECONDS = 24 * 3600;

export class RedisNotificationLedger implements NotificationLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async recorded(messageId: string): Promise<string[] | null> {
    const value = await this.redis.get(this.key(messageId));
    return value === null ? null : (JSON.parse(value) as string[]);
  }

  async record(messageId: string, eventIds: readonly string[]): Promise<void> {
    await this.redis.set(this.key(messageId), JSON.stringify(eventIds), 'EX', TTL_SECONDS);
  }

  private key(messageId: string): string {
    return `${this.prefix}:notified:${messageId}`;
  }
}
