import { Processor, Worker, WorkerOptions } from 'bullmq';
import Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { withTimeout } from '../infra/with-timeout';
import { bullPrefix } from './relay-fed-queue';

const CLOSE_WAIT_MS = 3000;

/**
 * A BullMQ worker of one queue on a Redis connection of its own, under the cluster's prefix.
 * Workers block on Redis: BullMQ requires maxRetriesPerRequest null for them, and the
 * connection's errors are left to the worker's 'error' event.
 */
export class BullWorker<D, R = unknown> {
  readonly worker: Worker<D, R>;
  private readonly connection: Redis;

  constructor(
    config: AppConfig,
    queue: string,
    process: Processor<D, R>,
    options: Omit<WorkerOptions, 'connection' | 'prefix'>,
  ) {
    this.connection = new Redis(config.redis.url, {
      connectionName: `parley:${config.nodeId}:${queue}-worker`,
      maxRetriesPerRequest: null,
    });
    this.connection.on('error', () => undefined);
    this.worker = new Worker<D, R>(queue, process, {
      ...options,
      connection: this.connection,
      prefix: bullPrefix(config),
    });
  }

  /** Lets running jobs finish (briefly: unfinished ones stall and run again elsewhere). */
  async close(): Promise<void> {
    await withTimeout(this.worker.close(), CLOSE_WAIT_MS, 'worker close').catch(() =>
      this.worker.close(true).catch(() => undefined),
    );
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
