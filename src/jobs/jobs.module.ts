import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Connection, Model } from 'mongoose';
import type { Logger } from 'pino';
import { AttachmentProcessor } from '../attachments/attachment-processor';
import { AttachmentQueue } from '../attachments/attachment-queue';
import { AttachmentStorage } from '../attachments/attachment-storage';
import { AttachmentStoreModule } from '../attachments/attachment-store.module';
import { AttachmentWorker } from '../attachments/attachment-worker';
import { ATTACHMENT_REPOSITORY, AttachmentRepository } from '../attachments/attachment.repository';
import { AppConfig } from '../config/app-config';
import { MessageStoreModule } from '../messages/message-store.module';
import { MESSAGE_MODEL, MessageDoc } from '../messages/message.schema';
import { MongoChangeVerifier } from '../events/change-verifier';
import { CHANGE_VOUCHES, ChangeVouches } from '../events/change-vouches';
import { EventPublisher } from '../events/event-publisher';
import { OutboxRelay } from '../events/outbox-relay';
import { OutboxStore } from '../events/outbox-store';
import { OUTBOX_MODEL, OutboxDoc } from '../events/outbox.schema';
import { RedisLease } from '../events/relay-lease';
import { RelayMetrics } from '../events/relay-metrics';
import { VouchedChangeVerifier } from '../events/vouched-change-verifier';
import { MetricsService } from '../health/metrics.service';
import { LOGGER, MONGO_CONNECTION, REDIS } from '../infra/tokens';
import { DeliveryProcessor } from './delivery-processor';
import { DeliveryQueue } from './delivery-queue';
import { DeliveryWorker } from './delivery-worker';
import { RedisNotificationLedger } from './notification-ledger';
import { RedisPresenceStore } from '../presence/presence.redis-store';
import { PRESENCE_READER, PresenceReader } from './presence-reader';
import { SearchModule } from '../search/search.module';
import { SearchQueue } from '../search/search-queue';

/**
 * Asynchronous work of this process: the outbox relay (RELAY_ENABLED) and the BullMQ delivery
 * and attachment workers (WORKERS_ENABLED). The queues themselves are always there: the
 * relay feeds them.
 * Needs the global Config, Logger, Infra, Metrics and Events modules; not the cluster (the
 * relay elects its leader with a Redis lease, so `npm run worker` processes stay out of the
 * live set that owns conversations).
 */
@Module({
  imports: [SearchModule, AttachmentStoreModule, MessageStoreModule],
  providers: [
    {
      provide: AttachmentQueue,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new AttachmentQueue(config),
    },
    {
      provide: AttachmentProcessor,
      inject: [
        ATTACHMENT_REPOSITORY,
        AttachmentStorage,
        MESSAGE_MODEL,
        AttachmentQueue,
        AppConfig,
        LOGGER,
      ],
      useFactory: (
        attachments: AttachmentRepository,
        storage: AttachmentStorage,
        messages: Model<MessageDoc>,
        queue: AttachmentQueue,
        config: AppConfig,
        logger: Logger,
      ) =>
        new AttachmentProcessor({
          attachments,
          storage,
          messages,
          queue,
          pendingTtlMs: config.attachments.pendingTtlSeconds * 1000,
          logger: logger.child({ module: 'attachments' }),
        }),
    },
    {
      provide: AttachmentWorker,
      inject: [AppConfig, AttachmentProcessor, AttachmentQueue, LOGGER],
      useFactory: (config: AppConfig, p: AttachmentProcessor, q: AttachmentQueue, logger: Logger) =>
        new AttachmentWorker(config, p, q, logger.child({ module: 'attachments' })),
    },
    {
      provide: PRESENCE_READER,
      inject: [REDIS, AppConfig],
      useFactory: (redis: Redis, config: AppConfig) =>
        new RedisPresenceStore(redis, config.cluster.prefix),
    },
    {
      provide: RedisNotificationLedger,
      inject: [REDIS, AppConfig],
      useFactory: (redis: Redis, config: AppConfig) =>
        new RedisNotificationLedger(redis, config.cluster.prefix),
    },
    {
      provide: DeliveryQueue,
      inject: [AppConfig, MetricsService, RedisNotificationLedger],
      useFactory: (config: AppConfig, metrics: MetricsService, ledger: RedisNotificationLedger) =>
        new DeliveryQueue(config, metrics.registry, (ids) => ledger.close(ids)),
    },
    {
      provide: DeliveryProcessor,
      inject: [
        MONGO_CONNECTION,
        PRESENCE_READER,
        EventPublisher,
        RedisNotificationLedger,
        MetricsService,
      ],
      useFactory: (
        c: Connection,
        p: PresenceReader,
        e: EventPublisher,
        ledger: RedisNotificationLedger,
        m: MetricsService,
      ) => new DeliveryProcessor(c, p, e, ledger, m.registry),
    },
    {
      provide: DeliveryWorker,
      inject: [AppConfig, DeliveryProcessor, LOGGER, MetricsService],
      useFactory: (config: AppConfig, p: DeliveryProcessor, logger: Logger, m: MetricsService) =>
        new DeliveryWorker(config, p, logger.child({ module: 'delivery' }), m.registry),
    },
    {
      provide: OutboxRelay,
      inject: [
        AppConfig,
        OUTBOX_MODEL,
        MONGO_CONNECTION,
        REDIS,
        EventPublisher,
        DeliveryQueue,
        AttachmentQueue,
        LOGGER,
        MetricsService,
        SearchQueue,
        CHANGE_VOUCHES,
      ],
      useFactory: (
        config: AppConfig,
        outbox: Model<OutboxDoc>,
        mongo: Connection,
        redis: Redis,
        publisher: EventPublisher,
        queue: DeliveryQueue,
        attachmentQueue: AttachmentQueue,
        logger: Logger,
        metrics: MetricsService,
        search: SearchQueue,
        vouches: ChangeVouches,
      ) => {
        const log = logger.child({ module: 'outbox-relay' });
        const lease = new RedisLease(
          redis,
          `${config.cluster.prefix}:outbox-relay:leader`,
          `${config.nodeId}:${randomUUID()}`,
          config.cluster.nodeTtlMs,
          config.cluster.heartbeatMs,
          log,
        );
        const relayMetrics = new RelayMetrics(metrics.registry);
        return new OutboxRelay(
          {
            store: new OutboxStore(outbox),
            // Vouched-for events need no read; the others are checked in MongoDB.
            verifier: new VouchedChangeVerifier(vouches, new MongoChangeVerifier(mongo), (by, n) =>
              relayMetrics.verified.inc({ by }, n),
            ),
            publisher,
            // Delivery first: a failure of any fails the round, which retries them all.
            sink: {
              published: async (events) => {
                await queue.published(events);
                await attachmentQueue.published(events);
                await search.published(events);
              },
            },
            lease,
            metrics: relayMetrics,
            logger: log,
          },
          {
            enabled: config.outbox.relayEnabled,
            pollMs: config.outbox.pollMs,
            batchSize: config.outbox.batchSize,
            graceMs: config.outbox.graceMs,
          },
        );
      },
    },
  ],
  exports: [
    OutboxRelay,
    DeliveryQueue,
    DeliveryProcessor,
    PRESENCE_READER,
    AttachmentQueue,
    AttachmentProcessor,
  ],
})
export class JobsModule {}
