import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import { ClusterMembership } from '../cluster/cluster-membership';
import { AppConfig } from '../config/app-config';
import { ConversationStoreModule } from '../conversations/conversation-store.module';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
} from '../conversations/conversation.repository';
import { MEMBER_MODEL, MemberDoc } from '../conversations/conversation.schema';
import { MetricsService } from '../health/metrics.service';
import { LOGGER, REDIS } from '../infra/tokens';
import { CO_MEMBERS, MongoCoMembers } from './co-members';
import { PRESENCE_BROADCASTER, PresenceBroadcaster } from './presence-broadcaster';
import { PresenceReaper } from './presence-reaper';
import { PRESENCE_STORE, PresenceStore } from './presence-store';
import { PresenceMetrics } from './presence.metrics';
import { RedisPresenceStore } from './presence.redis-store';
import { PresenceService } from './presence.service';
import { TypingService } from './typing.service';

/**
 * Presence and typing (ARCHITECTURE.md, Ephemeral): state in Redis and in this node's
 * memory, pushed through PRESENCE_BROADCASTER, which the realtime edge provides.
 */
@Module({
  imports: [ConversationStoreModule],
  providers: [
    {
      provide: PresenceMetrics,
      inject: [MetricsService],
      useFactory: (metrics: MetricsService) => new PresenceMetrics(metrics.registry),
    },
    {
      provide: PRESENCE_STORE,
      inject: [REDIS, AppConfig],
      useFactory: (redis: Redis, config: AppConfig) =>
        new RedisPresenceStore(redis, config.cluster.prefix),
    },
    {
      provide: CO_MEMBERS,
      inject: [CONVERSATION_REPOSITORY, MEMBER_MODEL],
      useFactory: (conversations: ConversationRepository, members: Model<MemberDoc>) =>
        new MongoCoMembers(conversations, members),
    },
    {
      provide: PresenceService,
      inject: [PRESENCE_STORE, PRESENCE_BROADCASTER, PresenceMetrics, AppConfig, LOGGER],
      useFactory: (
        store: PresenceStore,
        broadcaster: PresenceBroadcaster,
        metrics: PresenceMetrics,
        config: AppConfig,
        logger: Logger,
      ) =>
        new PresenceService(
          store,
          broadcaster,
          metrics,
          { nodeId: config.nodeId, offlineDebounceMs: config.presence.offlineDebounceMs },
          logger.child({ module: 'presence' }),
        ),
    },
    {
      provide: PresenceReaper,
      inject: [PresenceService, PRESENCE_STORE, ClusterMembership, AppConfig, LOGGER],
      useFactory: (
        presence: PresenceService,
        store: PresenceStore,
        membership: ClusterMembership,
        config: AppConfig,
        logger: Logger,
      ) =>
        new PresenceReaper(
          presence,
          store,
          membership,
          config.presence.sweepMs,
          logger.child({ module: 'presence' }),
        ),
    },
    {
      provide: TypingService,
      inject: [PRESENCE_BROADCASTER, PresenceMetrics, AppConfig],
      useFactory: (broadcaster: PresenceBroadcaster, metrics: PresenceMetrics, config: AppConfig) =>
        new TypingService(broadcaster, metrics, config.typing),
    },
  ],
  exports: [PresenceService, TypingService, PresenceMetrics, CO_MEMBERS],
})
export class PresenceModule {}
