import { Inject, Injectable } from '@nestjs/common';
import type { SendResult } from '../actors/conversation-actor';
import { ConversationRouter } from '../actors/conversation-router';
import { ChatError } from '../common/chat-error';
import { AttachmentsService } from '../attachments/attachments.service';
import { AppConfig } from '../config/app-config';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
} from '../conversations/conversation.repository';
import { MESSAGE_REPOSITORY, MessageRepository } from './message.repository';
import { served } from './served-messages';
import type { AttachmentRef, Message } from './message.types';
import { SendRateLimiter } from './send-rate-limiter';

export interface SendMessage {
  content: string;
  clientMessageId?: string;
  attachmentIds?: string[];
  parentId?: string;
}

export interface MessagePageQuery {
  before?: number;
  after?: number;
  limit: number;
  parentId?: string;
}

/** Message use cases, shared by REST and the socket gateway. Writes run in the owning actor. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly config: AppConfig,
    private readonly router: ConversationRouter,
    private readonly rateLimiter: SendRateLimiter,
    private readonly attachments: AttachmentsService,
    @Inject(MESSAGE_REPOSITORY) private readonly messages: MessageRepository,
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
  ) {}

  async sendMessage(
    userId: string,
    conversationId: string,
    input: SendMessage,
  ): Promise<SendResult> {
    this.checkLength(input.content);
    const attachmentIds = input.attachmentIds ?? [];
    if (!input.content.trim() && attachmentIds.length === 0)
      throw ChatError.validation('content is empty', [
        { path: 'content', message: 'content is empty (allowed only with attachmentIds)' },
      ]);
    this.rateLimiter.take(userId);
    const send = (attachments?: AttachmentRef[]) =>
      this.router.dispatch({
        type: 'message:send',
        conversationId,
        userId,
        input: {
          content: input.content,
          clientMessageId: input.clientMessageId,
          parentId: input.parentId,
          ...(attachments ? { attachments } : {}),
        },
      });
    if (attachmentIds.length === 0) return send();
    // Verified and claimed before the actor: its ack path makes no S3 call.
    const claim = await this.attachments.claimForSend(
      userId,
      conversationId,
      attachmentIds,
      input.clientMessageId,
    );
    let result: SendResult;
    try {
      result = await send(claim.refs);
    } catch (err) {
      // A refused send frees its uploads; an outcome unknown (unavailable) keeps them
      // claimed for the retry with the same clientMessageId (the sweep repairs the rest).
      if (err instanceof ChatError && err.code !== 'unavailable' && err.code !== 'internal')
        await this.attachments.settle(claim);
      throw err;
    }
    await this.attachments.settle(claim, result.message);
    return result;
  }

  editMessage(
    userId: string,
    conversationId: string,
    messageId: string,
    content: string,
  ): Promise<Message> {
    this.checkLength(content);
    return this.router.dispatch({
      type: 'message:edit',
      conversationId,
      userId,
      messageId,
      content,
    });
  }

  deleteMessage(userId: string, conversationId: string, messageId: string): Promise<Message> {
    return this.router.dispatch({ type: 'message:delete', conversationId, userId, messageId });
  }

  /**
   * A page of history. The newest window comes from the owning actor's memory when it holds
   * it; other windows are read from MongoDB after a membership check.
   */
  async listMessages(
    userId: string,
    conversationId: string,
    q: MessagePageQuery,
  ): Promise<{ items: Message[]; hasMore: boolean }> {
    if (q.before === undefined && q.after === undefined && !q.parentId) {
      const newest = await this.router.dispatch({
        type: 'messages:newest',
        conversationId,
        userId,
        limit: q.limit,
      });
      if (newest) return newest;
    } else if (!(await this.conversations.memberOf(userId, [conversationId])).has(conversationId)) {
      throw new ChatError('not_found', 'conversation not found');
    }
    const page = await this.messages.page(conversationId, q);
    return { ...page, items: await served(this.conversations, conversationId, page.items) };
  }

  private checkLength(content: string): void {
    const max = this.config.limits.messageMaxLength;
    if (content.length > max) {
      throw new ChatError('validation_failed', `content is longer than ${max} characters`);
    }
  }
}
