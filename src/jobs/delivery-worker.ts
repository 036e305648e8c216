import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import type { AppConfig } from '../config/app-config';
import type { DeliveryProcessor } from './delivery-processor';
import { BullWorker } from './bull-worker';
import { DELIVERY_QUEUE, DeliveryJob } from './delivery-queue';

/**
 * Runs `delivery` jobs in this process when WORKERS_ENABLED (the gateway by default, or
 * `npm run worker`). BullMQ is at-least-once: a stalled job runs again, which the processor
 * makes harmless. Failed attempts retry with exponential backoff (the queue's job options).
 */
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private bull?: BullWorker<DeliveryJob, string[]>;
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
    if (this.bull) return;
    this.bull = new BullWorker(
      this.config,
      DELIVERY_QUEUE,
      (job) => this.processor.process(job.data),
      { concurrency: this.config.workers.deliveryConcurrency },
    );
    const { worker } = this.bull;
    worker.on('failed', (job, err) => {
      this.failed.inc();
      this.logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err }, 'delivery failed');
    });
    worker.on('stalled', (jobId) => {
      this.stalled.inc();
      this.logger.warn({ jobId }, 'delivery job stalled; it runs again');
    });
    worker.on('error', (err) => this.logger.warn({ err }, 'delivery worker error'));
  }

  /** Lets running jobs finish (briefly: unfinished ones stall and run again elsewhere). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.bull?.close();
    this.bull = undefined;
  }
}
