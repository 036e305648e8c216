import { Inject, Injectable } from '@nestjs/common';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
} from '../conversations/conversation.repository';
import { MESSAGE_REPOSITORY, MessageRepository } from './message.repository';
import { served } from './served-messages';
import type { Message } from './message.types';

export const SYNC_PAGE = 100;
export const SYNC_MAX_CONVERSATIONS = 100;

export type SyncAnswer = Record<string, { messages: Message[]; hasMore: boolean }>;

/**
 * Recovery after a reconnect or a `sync:required`: for each conversation cursor, the stored
 * messages after it (a bounded page; `hasMore` says to call again from the last seq). Only
 * conversations the caller belongs to answer; others are left out, so nothing leaks.
 * Reads MongoDB directly: stored messages are the truth, whichever node owns the actor.
 */
@Injectable()
export class SyncService {
  constructor(
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
    @Inject(MESSAGE_REPOSITORY) private readonly messages: MessageRepository,
  ) {}

  async sync(userId: string, cursors: Readonly<Record<string, number>>): Promise<SyncAnswer> {
    const ids = Object.keys(cursors).slice(0, SYNC_MAX_CONVERSATIONS);
    const member = await this.conversations.memberOf(userId, ids);
    const pages = await Promise.all(
      ids
        .filter((id) => member.has(id))
        .map(async (id) => {
          const page = await this.messages.page(id, { after: cursors[id], limit: SYNC_PAGE });
          const messages = await served(this.conversations, id, page.items);
          return [id, { messages, hasMore: page.hasMore }] as const;
        }),
    );
    return Object.fromEntries(pages);
  }
}
