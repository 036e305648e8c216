import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Worker } from 'bullmq';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import type { AppConfig } from '../config/app-config';
import type { DeliveryProcessor } from './delivery-processor';
import { withTimeout } from '../infra/with-timeout';
import { bullPrefix, DELIVERY_QUEUE, DeliveryJob } from './delivery-queue';

const CLOSE_WAIT_MS = 3000;

/**
 * Runs `delivery` jobs in this process when WORKERS_ENABLED (the gateway by default, or
 * `npm run worker`). BullMQ is at-least-once: a stalled job runs again, which the processor
 * makes harmless. Failed attempts retry with exponential backoff (the queue's job options).
 */
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private worker?: Worker<DeliveryJob, string[]>;
  private connection?: Redis;
  private readonly failed: Counter;
  private readonly stalled: Counter;

  constructor(
    private readonly config: AppConfig,
    private readonly processor: DeliveryProcessor,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.failed = new Counter({
      name: 'parley_delivery_jobs_failed_total',
      help: 'Delivery job attempts that failed (retried until attempts run out)',
      registers: [registry],
    });
    this.stalled = new Counter({
      name: 'parley_delivery_jobs_stalled_total',
      help: 'Delivery jobs found stalled (their worker died or blocked) and run again',
      registers: [registry],
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.workers.enabled) this.start();
  }

  start(): void {
    if (this.worker) return;
    // Workers block on Redis: BullMQ requires maxRetriesPerRequest null for them.
    this.connection = new Redis(this.config.redis.url, {
      connectionName: `parley:${this.config.nodeId}:delivery-worker`,
      maxRetriesPerRequest: null,
    });
    this.connection.on('error', () => undefined); // the worker's 'error' event logs
    this.worker = new Worker<DeliveryJob, string[]>(
      DELIVERY_QUEUE,
      (job) => this.processor.process(job.data),
      {
        connection: this.connection,
        prefix: bullPrefix(this.config),
        concurrency: this.config.workers.deliveryConcurrency,
      },
    );
    this.worker.on('failed', (job, err) => {
      this.failed.inc();
      this.logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err }, 'delivery failed');
    });
    this.worker.on('stalled', (jobId) => {
      this.stalled.inc();
      this.logger.warn({ jobId }, 'delivery job stalled; it runs again');
    });
    this.worker.on('error', (err) => this.logger.warn({ err }, 'delivery worker error'));
  }

  /** Lets running jobs finish (briefly: unfinished ones stall and run again elsewhere). */
  async beforeApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    await withTimeout(worker?.close() ?? Promise.resolve(), CLOSE_WAIT_MS, 'worker close').catch(
      () => worker?.close(true).catch(() => undefined),
    );
    await this.connection?.quit().catch(() => this.connection?.disconnect());
    this.worker = undefined;
  }
}
