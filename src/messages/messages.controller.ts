import { Body, Controller, Delete, Get, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../auth/current-user.decorator';
import { ConversationParams } from '../conversations/conversation.dto';
import {
  EditMessageDto,
  ListMessagesQuery,
  MessageParams,
  ReactionParams,
  SendMessageDto,
} from './message.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('conversations/:id/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  list(
    @CurrentUser() userId: string,
    @Param() { id }: ConversationParams,
    @Query() query: ListMessagesQuery,
  ) {
    return this.messages.listMessages(userId, id, query);
  }

  /** 201 with the stored message; 200 with the original when clientMessageId repeats. */
  @Post()
  async send(
    @CurrentUser() userId: string,
    @Param() { id }: ConversationParams,
    @Body() body: SendMessageDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { message, created } = await this.messages.sendMessage(userId, id, body);
    reply.status(created ? 201 : 200);
    return message;
  }

  @Patch(':messageId')
  edit(
    @CurrentUser() userId: string,
    @Param() { id, messageId }: MessageParams,
    @Body() body: EditMessageDto,
  ) {
    return this.messages.editMessage(userId, id, messageId, body.content);
  }

  @Delete(':messageId')
  remove(@CurrentUser() userId: string, @Param() { id, messageId }: MessageParams) {
    return this.messages.deleteMessage(userId, id, messageId);
  }

  /** Idempotent: answers the message's reactions whether or not this changed them. */
  @Put(':messageId/reactions/:emoji')
  addReaction(@CurrentUser() userId: string, @Param() { id, messageId, emoji }: ReactionParams) {
    return this.messages.react(userId, id, messageId, emoji, true);
  }

  @Delete(':messageId/reactions/:emoji')
  removeReaction(@CurrentUser() userId: string, @Param() { id, messageId, emoji }: ReactionParams) {
    return this.messages.react(userId, id, messageId, emoji, false);
  }
}
