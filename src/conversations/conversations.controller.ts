import { Body, Controller, Delete, Get, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../auth/current-user.decorator';
import {
  ConversationParams,
  CreateConversationDto,
  ListConversationsQuery,
  UpdateConversationDto,
} from './conversation.dto';
import { ConversationsService } from './conversations.service';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  /** 201 with a new conversation; 200 with the existing one for a known private pair. */
  @Post()
  async create(
    @CurrentUser() userId: string,
    @Body() body: CreateConversationDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { conversation, created } = await this.conversations.createConversation(userId, body);
    reply.status(created ? 201 : 200);
    return conversation;
  }

  @Get()
  list(@CurrentUser() userId: string, @Query() query: ListConversationsQuery) {
    return this.conversations.listConversations(userId, query);
  }

  @Get(':id')
  get(@CurrentUser() userId: string, @Param() { id }: ConversationParams) {
    return this.conversations.getConversation(userId, id);
  }

  @Patch(':id')
  update(
    @CurrentUser() userId: string,
    @Param() { id }: ConversationParams,
    @Body() body: UpdateConversationDto,
  ) {
    return this.conversations.updateConversation(userId, id, body);
  }

  @Delete(':id')
  remove(@CurrentUser() userId: string, @Param() { id }: ConversationParams) {
    return this.conversations.deleteConversation(userId, id);
  }
}
