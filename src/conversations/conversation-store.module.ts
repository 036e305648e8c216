import { Module } from '@nestjs/common';
import { modelProvider } from '../infra/model-provider';
import { CONVERSATION_REPOSITORY } from './conversation.repository';
import { ConversationMongoRepository } from './conversation.mongo-repository';
import {
  CONVERSATION_MODEL,
  ConversationSchema,
  MEMBER_MODEL,
  MemberSchema,
} from './conversation.schema';

/** The conversations and members collections behind the ConversationRepository port. */
@Module({
  providers: [
    modelProvider(CONVERSATION_MODEL, ConversationSchema),
    modelProvider(MEMBER_MODEL, MemberSchema),
    { provide: CONVERSATION_REPOSITORY, useClass: ConversationMongoRepository },
  ],
  exports: [CONVERSATION_MODEL, MEMBER_MODEL, CONVERSATION_REPOSITORY],
})
export class ConversationStoreModule {}
