import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/current-user.decorator';
import { ConversationParams } from '../conversations/conversation.dto';
import { ListThreadsQuery } from './message.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('conversations/:id/threads')
export class ThreadsController {
  constructor(private readonly messages: MessagesService) {}

  /** Roots with replies, newest `lastReplyAt` first; their replies: messages?parentId=. */
  @Get()
  list(
    @CurrentUser() userId: string,
    @Param() { id }: ConversationParams,
    @Query() query: ListThreadsQuery,
  ) {
    return this.messages.listThreads(userId, id, query);
  }
}
