import { Module } from '@nestjs/common';
import { ConversationStoreModule } from '../conversations/conversation-store.module';
import { SearchController } from './search.controller';
import { SearchService } from './search.service';

/** `GET /search` (needs SearchModule, global, for the index and the message source). */
@Module({
  imports: [ConversationStoreModule],
  controllers: [SearchController],
  providers: [SearchService],
})
export class SearchHttpModule {}
