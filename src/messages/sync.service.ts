import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { SYNC_PAGE } from '../actors/command-handler';
import { ConversationRouter } from '../actors/conversation-router';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
} from '../conversations/conversation.repository';
import { LOGGER } from '../infra/tokens';
import { MESSAGE_REPOSITORY, MessageRepository } from './message.repository';
import { served } from './served-messages';
import type { Message } from './message.types';

export { SYNC_PAGE };
export const SYNC_MAX_CONVERSATIONS = 100;

export type SyncAnswer = Record<string, { messages: Message[]; hasMore: boolean }>;

/**
 * Recovery after a reconnect or a `sync:required`: for each conversation cursor, the stored
 * messages after it (a bounded page; `hasMore` says to call again from the last seq). Only
 * conversations the caller belongs to answer; others are left out, so nothing leaks.
 *
 * The owners' actors answer first, from memory (one request per owner node): a cursor at
 * the last seq, or within the newest messages, costs no database read. What no loaded actor
 * holds is read from MongoDB, where stored messages are the truth.
 */
@Injectable()
export class SyncService {
  constructor(
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
    @Inject(MESSAGE_REPOSITORY) private readonly messages: MessageRepository,
    private readonly router: ConversationRouter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async sync(userId: string, cursors: Readonly<Record<string, number>>): Promise<SyncAnswer> {
    const ids = Object.keys(cursors).slice(0, SYNC_MAX_CONVERSATIONS);
    const member = await this.conversations.memberOf(userId, ids);
    const mine = ids.filter((id) => member.has(id));
    const fromMemory = await this.fromOwners(userId, mine, cursors);
    const pages = await Promise.all(
      mine.map(async (id) => {
        const held = fromMemory[id];
        if (held === null) return undefined; // the owner knows the caller left
        if (held) return [id, held] as const;
        const page = await this.messages.page(id, { after: cursors[id], limit: SYNC_PAGE });
        const messages = await served(this.conversations, id, page.items);
        return [id, { messages, hasMore: page.hasMore }] as const;
      }),
    );
    return Object.fromEntries(pages.filter((p) => p !== undefined));
  }

  private async fromOwners(
    userId: string,
    ids: readonly string[],
    cursors: Readonly<Record<string, number>>,
  ): Promise<Record<string, SyncAnswer[string] | null>> {
    const answers = await Promise.all(
      this.router.byOwner(ids).map((group) =>
        this.router
          .dispatch({
            type: 'sync:recent',
            conversationId: group[0],
            userId,
            cursors: Object.fromEntries(group.map((id) => [id, cursors[id]])),
          })
          .catch((err: unknown) => {
            // Not an error for the client: the database answers instead.
            this.logger.debug({ err, userId }, 'sync from the owner failed; reading the database');
            return {};
          }),
      ),
    );
    return Object.assign({}, ...answers) as Record<string, SyncAnswer[string] | null>;
  }
}
