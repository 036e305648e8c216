import { Inject, Injectable } from '@nestjs/common';
import { ActorRegistry } from '../actors/actor-registry';
import type { SendResult } from '../actors/conversation-actor';
import { isMember } from '../actors/conversation-state';
import { ChatError } from '../common/chat-error';
import { AppConfig } from '../config/app-config';
import { MESSAGE_REPOSITORY, MessageRepository } from './message.repository';
import type { Message } from './message.types';

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

/** Message use cases. Every write goes through the conversation's actor. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly config: AppConfig,
    private readonly actors: ActorRegistry,
    @Inject(MESSAGE_REPOSITORY) private readonly messages: MessageRepository,
  ) {}

  sendMessage(userId: string, conversationId: string, input: SendMessage): Promise<SendResult> {
    this.checkLength(input.content);
    if (input.attachmentIds?.length) {
      // Uploads arrive with the attachments feature; until then no id can name one.
      throw new ChatError('validation_failed', 'attachmentIds name no uploaded attachment');
    }
    return this.actors.get(conversationId).send({
      senderId: userId,
      content: input.content,
      clientMessageId: input.clientMessageId,
      attachments: [],
      parentId: input.parentId ?? null,
    });
  }

  editMessage(
    userId: string,
    conversationId: string,
    messageId: string,
    content: string,
  ): Promise<Message> {
    this.checkLength(content);
    return this.actors.get(conversationId).edit(userId, messageId, content);
  }

  deleteMessage(userId: string, conversationId: string, messageId: string): Promise<Message> {
    return this.actors.get(conversationId).delete(userId, messageId);
  }

  /**
   * A page of history. The newest window comes from the actor's memory when it holds it;
   * other windows are read from the database after the membership check.
   */
  async listMessages(
    userId: string,
    conversationId: string,
    q: MessagePageQuery,
  ): Promise<{ items: Message[]; hasMore: boolean }> {
    const fromMemory = await this.actors.get(conversationId).read((state) => {
      if (!isMember(state, userId)) throw new ChatError('not_found', 'conversation not found');
      const newest = q.before === undefined && q.after === undefined && !q.parentId;
      const complete = state.recent.length === state.lastSeq; // memory holds the whole history
      if (newest && (state.recent.length > q.limit || complete)) {
        return { items: state.recent.slice(-q.limit), hasMore: state.lastSeq > q.limit };
      }
      return undefined;
    });
    return fromMemory ?? this.messages.page(conversationId, q);
  }

  private checkLength(content: string): void {
    const max = this.config.limits.messageMaxLength;
    if (content.length > max) {
      throw new ChatError('validation_failed', `content is longer than ${max} characters`);
    }
  }
}
