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
import type { ReactionsUpdate } from '../reactions/reaction-state';
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

  /** Adds or removes the caller's reaction (`emoji` normalized); counts against the rate. */
  react(
    userId: string,
    conversationId: string,
    messageId: string,
    emoji: string,
    add: boolean,
  ): Promise<ReactionsUpdate> {
    this.rateLimiter.take(userId);
    return this.router.dispatch({
      type: 'reaction:set',
      conversationId,
      userId,
      messageId,
      emoji,
      add,
    });
  }

  /**
   * The conversation's thread roots, newest reply first; `cursor` is the last page's
   * `nextCursor`.
   */
  async listThreads(
    userId: string,
    conversationId: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: Message[]; nextCursor: string | null }> {
    await this.checkMember(userId, conversationId);
    const page = await this.messages.threads(conversationId, {
      limit: q.limit,
      after: q.cursor === undefined ? undefined : decodeThreadCursor(q.cursor),
    });
    const last = page.items[page.items.length - 1];
    return {
      items: await served(this.conversations, conversationId, page.items),
      nextCursor: page.hasMore && last?.lastReplyAt ? encodeThreadCursor(last) : null,
    };
  }

  private async checkMember(userId: string, conversationId: string): Promise<void> {
    if (!(await this.conversations.memberOf(userId, [conversationId])).has(conversationId)) {
      throw new ChatError('not_found', 'conversation not found');
    }
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
    } else {
      await this.checkMember(userId, conversationId);
    }
    if (q.parentId) {
      // A thread's replies: the root must be a message of this conversation.
      const root = await this.messages.findById(conversationId, q.parentId);
      if (!root) throw ChatError.notFound('message');
      if (root.parentId)
        throw new ChatError('validation_failed', 'parentId names a reply, not a thread root');
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

/** `[lastReplyAt ms, id]` as base64url JSON: opaque to clients, checked when it returns. */
function encodeThreadCursor(m: Message): string {
  return Buffer.from(JSON.stringify([m.lastReplyAt!.getTime(), m.id])).toString('base64url');
}

function decodeThreadCursor(cursor: string): { lastReplyAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (Number.isSafeInteger(at) && typeof id === 'string' && /^[0-9a-f]{24}$/.test(id)) {
      return { lastReplyAt: new Date(at as number), id };
    }
  } catch {
    // answered below
  }
  throw new ChatError('validation_failed', 'cursor is not one this API returned');
}
