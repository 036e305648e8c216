import { Module } from '@nestjs/common';
import type { S3Client } from '@aws-sdk/client-s3';
import { AppConfig } from '../config/app-config';
import { modelProvider } from '../infra/model-provider';
import { S3 } from '../infra/tokens';
import { AttachmentStorage } from './attachment-storage';
import { AttachmentMongoRepository } from './attachment.mongo-repository';
import { ATTACHMENT_REPOSITORY } from './attachment.repository';
import { ATTACHMENT_MODEL, AttachmentSchema } from './attachment.schema';

/** The attachments collection and the bucket, for the REST edge and the jobs alike. */
@Module({
  providers: [
    modelProvider(ATTACHMENT_MODEL, AttachmentSchema),
    { provide: ATTACHMENT_REPOSITORY, useClass: AttachmentMongoRepository },
    {
      provide: AttachmentStorage,
      inject: [S3, AppConfig],
      useFactory: (s3: S3Client, config: AppConfig) => new AttachmentStorage(s3, config.s3.bucket),
    },
  ],
  exports: [ATTACHMENT_MODEL, ATTACHMENT_REPOSITORY, AttachmentStorage],
})
export class AttachmentStoreModule {}
