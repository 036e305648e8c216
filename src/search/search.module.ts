import {
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../health/metrics.service';
import { LOGGER, MONGO_CONNECTION } from '../infra/tokens';
import { MESSAGE_SOURCE, MessageSource, MongoMessageSource } from './message-source';
import { OpenSearchIndex } from './opensearch-index';
import { SEARCH_INDEX } from './search-index';
import { SearchIndexer } from './search-indexer';
import { SearchQueue } from './search-queue';
import { SearchWorker } from './search-worker';

/** Creates the index at start when missing (never blocks or fails the start: see worker). */
@Injectable()
class SearchIndexLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(SEARCH_INDEX) private readonly index: OpenSearchIndex | null,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.index
      ?.ensureIndex()
      .catch((err: unknown) =>
        this.logger.warn({ err }, 'search index not checked at start; the worker retries'),
      );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.index?.close().catch(() => undefined);
  }
}

/**
 * Message search's engine side: the SearchIndex (OpenSearch, or null when SEARCH_URL is
 * unset), the `search-index` queue the outbox relay feeds, and its worker. Global so that
 * the health check and the HTTP side (SearchHttpModule) share the one client.
 */
@Global()
@Module({
  providers: [
    {
      provide: SEARCH_INDEX,
      inject: [AppConfig, LOGGER],
      useFactory: (config: AppConfig, logger: Logger) =>
        config.search.url
          ? new OpenSearchIndex(
              { ...config.search, url: config.search.url },
              logger.child({ module: 'search' }),
            )
          : null,
    },
    SearchIndexLifecycle,
    {
      provide: MESSAGE_SOURCE,
      inject: [MONGO_CONNECTION],
      useFactory: (mongo: Connection) => new MongoMessageSource(mongo),
    },
    {
      provide: SearchQueue,
      inject: [AppConfig, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService) =>
        new SearchQueue(config, metrics.registry),
    },
    {
      provide: SearchWorker,
      inject: [AppConfig, MESSAGE_SOURCE, SEARCH_INDEX, LOGGER, MetricsService],
      useFactory: (
        config: AppConfig,
        source: MessageSource,
        index: OpenSearchIndex | null,
        logger: Logger,
        metrics: MetricsService,
      ) => {
        const indexer = index ? new SearchIndexer(source, index, metrics.registry) : null;
        return new SearchWorker(
          config,
          indexer,
          logger.child({ module: 'search-worker' }),
          metrics.registry,
        );
      },
    },
  ],
  exports: [SEARCH_INDEX, MESSAGE_SOURCE, SearchQueue],
})
export class SearchModule {}
