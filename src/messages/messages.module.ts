import { Module } from '@nestjs/common';
import { ActorsModule } from '../actors/actors.module';
import { MessageStoreModule } from './message-store.module';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

@Module({
  imports: [ActorsModule, MessageStoreModule],
  controllers: [MessagesController],
  providers: [MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
