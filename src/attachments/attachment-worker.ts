import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Worker } from 'bullmq';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { withTimeout } from '../infra/with-timeout';
import { bullPrefix } from '../jobs/delivery-queue';
import type { AttachmentProcessor } from './attachment-processor';
import { ATTACHMENTS_QUEUE, AttachmentJob, AttachmentQueue } from './attachment-queue';

const CLOSE_WAIT_MS = 3000;

/** Runs `attachments` jobs in this process when WORKERS_ENABLED, and schedules the sweep. */
export class AttachmentWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private worker?: Worker<AttachmentJob>;
  private connection?: Redis;

  constructor(
    private readonly config: AppConfig,
    private readonly processor: AttachmentProcessor,
    private readonly queue: AttachmentQueue,
    private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.workers.enabled) return;
    await this.queue
      .scheduleSweep()
      .catch((err: unknown) =>
        this.logger.warn({ err }, 'attachment sweep not scheduled (the next node start retries)'),
      );
    this.connection = new Redis(this.config.redis.url, {
      connectionName: `parley:${this.config.nodeId}:attachments-worker`,
      maxRetriesPerRequest: null,
    });
    this.connection.on('error', () => undefined);
    this.worker = new Worker<AttachmentJob>(
      ATTACHMENTS_QUEUE,
      (job) => this.processor.process(job.data),
      { connection: this.connection, prefix: bullPrefix(this.config), concurrency: 2 },
    );
    this.worker.on('failed', (job, err) =>
      this.logger.warn(
        { jobId: job?.id, attempts: job?.attemptsMade, err },
        'attachment job failed',
      ),
    );
    this.worker.on('error', (err) => this.logger.warn({ err }, 'attachment worker error'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    await withTimeout(worker?.close() ?? Promise.resolve(), CLOSE_WAIT_MS, 'worker close').catch(
      () => worker?.close(true).catch(() => undefined),
    );
    await this.connection?.quit().catch(() => this.connection?.disconnect());
    this.worker = undefined;
  }
}
