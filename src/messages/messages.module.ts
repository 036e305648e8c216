import { Module } from '@nestjs/common';
import { ActorsModule } from '../actors/actors.module';
import { AttachmentsModule } from '../attachments/attachments.module';
import { ConversationStoreModule } from '../conversations/conversation-store.module';
import { MessageStoreModule } from './message-store.module';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { SendRateLimiter } from './send-rate-limiter';
import { SyncService } from './sync.service';
import { ThreadsController } from './threads.controller';

@Module({
  imports: [ActorsModule, MessageStoreModule, ConversationStoreModule, AttachmentsModule],
  controllers: [MessagesController, ThreadsController],
  providers: [MessagesService, SyncService, SendRateLimiter],
  exports: [MessagesService, SyncService],
})
export class MessagesModule {}
