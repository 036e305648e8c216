import { Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../health/metrics.service';
import type { KafkaClients } from '../infra/kafka';
import { modelProvider } from '../infra/model-provider';
import { KAFKA, LOGGER } from '../infra/tokens';
import { CHANGE_LOG } from './change-log';
import { EventPublisher } from './event-publisher';
import { OutboxChangeLog } from './outbox-change-log';
import { OUTBOX_MODEL, OutboxSchema } from './outbox.schema';

/**
 * The outbox the domain writes to (CHANGE_LOG) and the CloudEvents publisher on the shared
 * idempotent producer. The relay that drains the outbox runs in JobsModule.
 */
@Global()
@Module({
  providers: [
    modelProvider(OUTBOX_MODEL, OutboxSchema),
    { provide: CHANGE_LOG, useClass: OutboxChangeLog },
    {
      provide: EventPublisher,
      inject: [KAFKA, AppConfig, LOGGER, MetricsService],
      useFactory: (kafka: KafkaClients, config: AppConfig, logger: Logger, m: MetricsService) =>
        new EventPublisher(
          kafka,
          config.outbox.publishTimeoutMs,
          logger.child({ module: 'events' }),
          m.registry,
        ),
    },
  ],
  exports: [CHANGE_LOG, OUTBOX_MODEL, EventPublisher],
})
export class EventsModule {}
