import { Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../health/metrics.service';
import type { KafkaClients } from '../infra/kafka';
import { modelProvider } from '../infra/model-provider';
import type Redis from 'ioredis';
import { KAFKA, LOGGER, REDIS } from '../infra/tokens';
import { CHANGE_LOG } from './change-log';
import { CHANGE_VOUCHES, RedisChangeVouches } from './change-vouches';
import { EventPublisher } from './event-publisher';
import { OutboxChangeLog } from './outbox-change-log';
import { OUTBOX_MODEL, OutboxSchema } from './outbox.schema';

/** Vouches older than this (or past the count) are trimmed: their events cost a read. */
const VOUCH_TTL_MS = 10 * 60_000;
const VOUCH_MAX_ENTRIES = 100_000;

/**
 * The outbox the domain writes to (CHANGE_LOG), the vouches its writers leave for the relay
 * (CHANGE_VOUCHES) and the CloudEvents publisher on the shared idempotent producer. The relay
 * that drains the outbox runs in JobsModule.
 */
@Global()
@Module({
  providers: [
    modelProvider(OUTBOX_MODEL, OutboxSchema),
    { provide: CHANGE_LOG, useClass: OutboxChangeLog },
    {
      provide: CHANGE_VOUCHES,
      inject: [REDIS, AppConfig],
      useFactory: (redis: Redis, config: AppConfig) =>
        new RedisChangeVouches(redis, config.cluster.prefix, {
          // Well beyond the grace period: a vouch outlives any wait of a healthy relay.
          ttlMs: Math.max(VOUCH_TTL_MS, 4 * config.outbox.graceMs),
          maxEntries: VOUCH_MAX_ENTRIES,
        }),
    },
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
  exports: [CHANGE_LOG, CHANGE_VOUCHES, OUTBOX_MODEL, EventPublisher],
})
export class EventsModule {}
