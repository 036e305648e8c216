import { Module } from '@nestjs/common';
import { modelProvider } from '../infra/model-provider';
import { ATTACHMENT_MODEL, AttachmentSchema } from './attachment.schema';

@Module({
  providers: [modelProvider(ATTACHMENT_MODEL, AttachmentSchema)],
  exports: [ATTACHMENT_MODEL],
})
export class AttachmentsModule {}
