import { Inject, Injectable } from '@nestjs/common';
import { ChatError } from '../common/chat-error';
import {
  CONVERSATION_REPOSITORY,
  type ConversationRepository,
} from '../conversations/conversation.repository';
import { served } from '../messages/served-messages';
import type { Message } from '../messages/message.types';
import { MESSAGE_SOURCE, type MessageSource } from './message-source';
import {
  SEARCH_INDEX,
  SearchCursor,
  SearchFilters,
  SearchHit,
  type SearchIndex,
  SearchUnavailableError,
} from './search-index';
import { decodeCursor, encodeCursor, escapeHtml, queryTerms } from './search-mapping';

/** Conversation ids per engine query: a user in more is searched in several, merged. */
export const CHUNK = 1000;

export interface SearchRequest {
  q: string;
  conversationId?: string;
  limit: number;
  cursor?: string;
  filters: SearchFilters;
}

export interface SearchResult {
  items: { message: Message; highlight: string }[];
  nextCursor: string | null;
}

/**
 * Message search. Access never comes from the index: the caller's conversations are read
 * from Parley's membership at query time and the engine searches only those; every hit is
 * then read back from MongoDB, so a deleted message or conversation is never shown even
 * before its removal job ran.
 */
@Injectable()
export class SearchService {
  constructor(
    @Inject(SEARCH_INDEX) private readonly index: SearchIndex | null,
    @Inject(MESSAGE_SOURCE) private readonly source: MessageSource,
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
  ) {}

  async search(userId: string, req: SearchRequest): Promise<SearchResult> {
    const after = req.cursor === undefined ? undefined : decodeCursor(req.cursor);
    if (req.cursor !== undefined && !after) {
      throw ChatError.validation('invalid cursor', [{ path: 'cursor', message: 'invalid cursor' }]);
    }
    let scope: string[];
    if (req.conversationId) {
      const member = await this.conversations.memberOf(userId, [req.conversationId]);
      if (!member.has(req.conversationId)) throw ChatError.notFound('conversation');
      scope = [req.conversationId];
    } else {
      scope = await this.conversations.idsForUser(userId);
    }
    const terms = queryTerms(req.q);
    if (terms.length === 0 || scope.length === 0) return { items: [], nextCursor: null };
    if (!this.index) throw ChatError.unavailable('search is not configured');

    const hits = await this.queryChunks(scope, terms, req, after);
    const page = hits.slice(0, req.limit);
    const items = await this.hydrate(page);
    const last = page[page.length - 1];
    return {
      items,
      nextCursor: hits.length > req.limit && last ? encodeCursor(last.cursor) : null,
    };
  }

  /** Every chunk's first `limit + 1` hits after the cursor, merged newest first. */
  private async queryChunks(
    scope: string[],
    terms: string[],
    req: SearchRequest,
    after: SearchCursor | undefined,
  ): Promise<SearchHit[]> {
    const chunks: string[][] = [];
    for (let i = 0; i < scope.length; i += CHUNK) chunks.push(scope.slice(i, i + CHUNK));
    try {
      const results = await Promise.all(
        chunks.map((conversationIds) =>
          this.index!.query({
            terms,
            conversationIds,
            filters: req.filters,
            limit: req.limit + 1,
            after,
          }),
        ),
      );
      return results
        .flat()
        .sort((a, b) =>
          b.cursor.createdAt !== a.cursor.createdAt
            ? b.cursor.createdAt - a.cursor.createdAt
            : b.cursor.id.localeCompare(a.cursor.id),
        )
        .slice(0, req.limit + 1);
    } catch (err) {
      if (err instanceof SearchUnavailableError) {
        throw ChatError.unavailable('search is unavailable; retry later', err);
      }
      throw err;
    }
  }

  /** The hits' messages as stored now, in hit order; deleted ones left out. */
  private async hydrate(hits: SearchHit[]): Promise<SearchResult['items']> {
    const stored = new Map(
      (await this.source.messages(hits.map((h) => h.id))).map((m) => [m.id, m]),
    );
    const byConversation = new Map<string, Message[]>();
    for (const h of hits) {
      const m = stored.get(h.id);
      if (!m || m.deletedAt) continue;
      byConversation.set(m.conversationId, [...(byConversation.get(m.conversationId) ?? []), m]);
    }
    const withReceipts = new Map<string, Message>();
    for (const [conversationId, messages] of byConversation) {
      for (const m of await served(this.conversations, conversationId, messages)) {
        withReceipts.set(m.id, m);
      }
    }
    return hits.flatMap((h) => {
      const message = withReceipts.get(h.id);
      if (!message) return [];
      return [{ message, highlight: h.highlight ?? escapeHtml(message.content ?? '') }];
    });
  }
}
