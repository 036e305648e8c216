import { JobsOptions, Queue } from 'bullmq';
import Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';

/** Queue keys live under the cluster's prefix, so clusters (and test runs) never mix. */
export const bullPrefix = (config: AppConfig) => `${config.cluster.prefix}:bull`;

/**
 * A BullMQ queue the outbox relay feeds after each batch Kafka acknowledged. Its connection is
 * its own and fails fast (a Redis outage fails the relay round, which retries) rather than
 * blocking like a worker's.
 */
export class RelayFedQueue<T> {
  readonly queue: Queue<T>;
  private readonly connection: Redis;

  constructor(config: AppConfig, name: string, defaultJobOptions: JobsOptions) {
    this.connection = new Redis(config.redis.url, {
      connectionName: `parley:${config.nodeId}:${name}-queue`,
      maxRetriesPerRequest: 3,
    });
    this.connection.on('error', () => undefined); // reported by the relay's failed rounds
    this.queue = new Queue<T>(name, {
      connection: this.connection,
      prefix: bullPrefix(config),
      defaultJobOptions,
    });
    this.queue.on('error', () => undefined);
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
