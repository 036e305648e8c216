import { Module } from '@nestjs/common';
import { modelProvider } from '../infra/model-provider';
import { MESSAGE_REPOSITORY } from './message.repository';
import { MessageMongoRepository } from './message.mongo-repository';
import { MESSAGE_MODEL, MessageSchema } from './message.schema';

/** The messages collection behind the MessageRepository port. */
@Module({
  providers: [
    modelProvider(MESSAGE_MODEL, MessageSchema),
    { provide: MESSAGE_REPOSITORY, useClass: MessageMongoRepository },
  ],
  exports: [MESSAGE_MODEL, MESSAGE_REPOSITORY],
})
export class MessageStoreModule {}
