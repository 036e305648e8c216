import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { EventsModule } from '../events/events.module';
import { MetricsService } from '../health/metrics.service';
import { InfraModule } from '../infra/infra.module';
import { LoggerModule } from '../infra/logger.module';
import { JobsModule } from './jobs.module';

/** The metrics registry without the HTTP health module (a worker serves no HTTP). */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
class WorkerMetricsModule {}

/**
 * What `npm run worker` (src/worker.ts) runs: the relay and the workers, no HTTP, no sockets,
 * no actors, and not a member of the cluster's live set.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(logger),
        InfraModule,
        WorkerMetricsModule,
        EventsModule,
        JobsModule,
      ],
    };
  }
}
