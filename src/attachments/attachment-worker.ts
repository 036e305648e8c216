import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { BullWorker } from '../jobs/bull-worker';
import type { AttachmentProcessor } from './attachment-processor';
import { ATTACHMENTS_QUEUE, AttachmentJob, AttachmentQueue } from './attachment-queue';

/** Runs `attachments` jobs in this process when WORKERS_ENABLED, and schedules the sweep. */
export class AttachmentWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private bull?: BullWorker<AttachmentJob>;

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
    this.bull = new BullWorker<AttachmentJob>(
      this.config,
      ATTACHMENTS_QUEUE,
      (job) => this.processor.process(job.data),
      { concurrency: 2 },
    );
    const { worker } = this.bull;
    worker.on('failed', (job, err) =>
      this.logger.warn(
        { jobId: job?.id, attempts: job?.attemptsMade, err },
        'attachment job failed',
      ),
    );
    worker.on('error', (err) => this.logger.warn({ err }, 'attachment worker error'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.bull?.close();
    this.bull = undefined;
  }
}
