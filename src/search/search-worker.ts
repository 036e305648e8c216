import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import type { AppConfig } from '../config/app-config';
import { BullWorker } from '../jobs/bull-worker';
import type { SearchIndexer } from './search-indexer';
import { SEARCH_QUEUE, SearchJob } from './search-queue';

/** Retries of a failed batch back off up to this, so a restarted engine is used soon. */
export const MAX_BACKOFF_MS = 5000;
/** A worker that died mid-batch has its batch taken over after about this long. */
const LOCK_MS = 10_000;

/** Delay before retry `attempt` (1-based): exponential from 250 ms, capped. */
export const searchBackoff = (attempt: number) =>
  Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.max(0, attempt - 1));

/**
 * Runs `search-index` jobs when WORKERS_ENABLED and search is configured. At-least-once
 * (BullMQ redoes a stalled batch), which the indexer makes harmless. While OpenSearch is
 * away every batch fails and is retried with backoff, so the backlog drains after it returns.
 */
export class SearchWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private bull?: BullWorker<SearchJob>;
  private readonly failed: Counter;

  constructor(
    private readonly config: AppConfig,
    private readonly indexer: SearchIndexer | null,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.failed = new Counter({
      name: 'parley_search_jobs_failed_total',
      help: 'search-index job attempts that failed (each is retried)',
      registers: [registry],
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.workers.enabled && this.indexer) this.start();
  }

  start(): void {
    const indexer = this.indexer;
    if (this.bull || !indexer) return;
    let failures = 0;
    this.bull = new BullWorker<SearchJob>(
      this.config,
      SEARCH_QUEUE,
      (job) => indexer.process(job.data),
      {
        concurrency: 2,
        lockDuration: LOCK_MS,
        stalledInterval: LOCK_MS / 2,
        // A batch whose worker died is redone however often that happens (never failed).
        maxStalledCount: 1000,
        settings: { backoffStrategy: (attempts: number) => searchBackoff(attempts) },
      },
    );
    const { worker } = this.bull;
    worker.on('failed', (job, err) => {
      this.failed.inc();
      if (failures++ % 20 === 0) {
        this.logger.warn(
          { jobId: job?.id, attempts: job?.attemptsMade, err },
          'search batch failed',
        );
      }
    });
    worker.on('completed', () => {
      if (failures) this.logger.info({ failures }, 'search indexing recovered');
      failures = 0;
    });
    worker.on('stalled', (jobId) =>
      this.logger.warn({ jobId }, 'search batch stalled; it runs again'),
    );
    worker.on('error', (err) => this.logger.warn({ err }, 'search worker error'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.bull?.close();
    this.bull = undefined;
  }
}
