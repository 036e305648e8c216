import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { modelProvider } from '../infra/model-provider';
import { LOGGER, REDIS } from '../infra/tokens';
import { CachedConversationRepository } from './conversation.cached-repository';
import { CONVERSATION_REPOSITORY } from './conversation.repository';
import { ConversationMongoRepository } from './conversation.mongo-repository';
import { UserConversationsCache } from './user-conversations.cache';
import {
  CONVERSATION_MODEL,
  ConversationDoc,
  ConversationSchema,
  MEMBER_MODEL,
  MemberDoc,
  MemberSchema,
} from './conversation.schema';

/**
 * The conversations and members collections behind the ConversationRepository port, with
 * each user's conversation ids cached in Redis (see UserConversationsCache).
 */
@Module({
  providers: [
    modelProvider(CONVERSATION_MODEL, ConversationSchema),
    modelProvider(MEMBER_MODEL, MemberSchema),
    {
      provide: CONVERSATION_REPOSITORY,
      inject: [CONVERSATION_MODEL, MEMBER_MODEL, REDIS, AppConfig, LOGGER],
      useFactory: (
        conversations: Model<ConversationDoc>,
        members: Model<MemberDoc>,
        redis: Redis,
        config: AppConfig,
        logger: Logger,
      ) =>
        new CachedConversationRepository(
          new ConversationMongoRepository(conversations, members),
          new UserConversationsCache(
            redis,
            config.cluster.prefix,
            logger.child({ module: 'conversation-cache' }),
          ),
        ),
    },
  ],
  exports: [CONVERSATION_MODEL, MEMBER_MODEL, CONVERSATION_REPOSITORY],
})
export class ConversationStoreModule {}
