import { Module } from '@nestjs/common';
import { ActorsModule } from '../actors/actors.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { ConversationStoreModule } from './conversation-store.module';
import { ConversationsController } from './conversations.controller';
import { ConversationsService } from './conversations.service';

@Module({
  imports: [ActorsModule, ConversationStoreModule, MessageStoreModule],
  controllers: [ConversationsController],
  providers: [ConversationsService],
  exports: [ConversationsService],
})
export class ConversationsModule {}
