import { Module } from '@nestjs/common';
import { ConversationStoreModule } from '../conversations/conversation-store.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { ActorRegistry } from './actor-registry';
import { CommandHandler } from './command-handler';
import { ConversationRouter } from './conversation-router';

@Module({
  imports: [ConversationStoreModule, MessageStoreModule],
  providers: [ActorRegistry, CommandHandler, ConversationRouter],
  exports: [ActorRegistry, ConversationRouter],
})
export class ActorsModule {}
