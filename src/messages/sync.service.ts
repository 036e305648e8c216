import { Inject, Injectable } from '@nestjs/common';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
} from '../conversations/conversation.repository';
import { withReceipts } from '../receipts/receipt-state';
import { MESSAGE_REPOSITORY, MessageRepository } from './message.repository';
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
          const [page, members] = await Promise.all([
            this.messages.page(id, { after: cursors[id], limit: SYNC_PAGE }),
            this.conversations.cursorsIn(id),
          ]);
          return [
            id,
            { messages: withReceipts(page.items, members), hasMore: page.hasMore },
          ] as const;
        }),
    );
    return Object.fromEntries(pages);
  }
}
