import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { ConversationStoreModule } from '../conversations/conversation-store.module';
import { REDIS } from '../infra/tokens';
import { MessageStoreModule } from '../messages/message-store.module';
import { AttachmentClaims, CLAIM_LOCK_MS } from './attachment-claims';
import { AttachmentStoreModule } from './attachment-store.module';
import { AttachmentsController } from './attachments.controller';
import { AttachmentsService } from './attachments.service';

/** The REST edge and use cases of attachments; their jobs run in JobsModule. */
@Module({
  imports: [AttachmentStoreModule, ConversationStoreModule, MessageStoreModule],
  controllers: [AttachmentsController],
  providers: [
    {
      provide: AttachmentClaims,
      inject: [REDIS, AppConfig],
      useFactory: (redis: Redis, config: AppConfig) =>
        new AttachmentClaims(redis, config.cluster.prefix, CLAIM_LOCK_MS),
    },
    AttachmentsService,
  ],
  exports: [AttachmentsService],
})
export class AttachmentsModule {}
