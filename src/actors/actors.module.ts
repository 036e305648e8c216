import { Module } from '@nestjs/common';
import { ConversationStoreModule } from '../conversations/conversation-store.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { ActorRegistry } from './actor-registry';

@Module({
  imports: [ConversationStoreModule, MessageStoreModule],
  providers: [ActorRegistry],
  exports: [ActorRegistry],
})
export class ActorsModule {}
