import { ChatError } from '../common/chat-error';
import type { ConversationRepository } from '../conversations/conversation.repository';
import type { Message } from '../messages/message.types';
import type { MessageSource } from './message-source';
import { SearchHit, type SearchIndex, SearchQuery, SearchUnavailableError } from './search-index';
import { CHUNK, SearchService } from './search.service';
import { aMessage } from '../../test/support/message-fixture';

const cid = (n: number) => n.toString(16).padStart(24, '0');
const mid = (n: number) => `f${n.toString(16).padStart(23, '0')}`;

const message = (n: number, conversationId: string, over: Partial<Message> = {}): Message =>
  aMessage({
    id: mid(n),
    conversationId,
    seq: n,
    senderId: 'u1',
    content: `m${n} <b>`,
    createdAt: new Date(n * 1000),
    clientMessageId: String(n),
    ...over,
  });

function setup(opts: { member: string[]; stored: Message[]; down?: boolean }) {
  const queries: SearchQuery[] = [];
  const index = {
    query: (q: SearchQuery): Promise<SearchHit[]> => {
      queries.push(q);
      if (opts.down) return Promise.reject(new SearchUnavailableError('down'));
      // Every stored message of the queried conversations matches, newest first.
      const hits = opts.stored
        .filter((m) => q.conversationIds.includes(m.conversationId))
        .map((m) => ({
          id: m.id,
          conversationId: m.conversationId,
          highlight: null,
          cursor: { createdAt: m.createdAt.getTime(), id: m.id },
        }))
        .filter(
          (h) =>
            !q.after ||
            h.cursor.createdAt < q.after.createdAt ||
            (h.cursor.createdAt === q.after.createdAt && h.cursor.id < q.after.id),
        )
        .sort((a, b) => b.cursor.createdAt - a.cursor.createdAt);
      return Promise.resolve(hits.slice(0, q.limit));
    },
  } as unknown as SearchIndex;
  const db = new Map(opts.stored.map((m) => [m.id, m]));
  const source: MessageSource = {
    messages: (ids) => Promise.resolve(ids.flatMap((id) => (db.has(id) ? [db.get(id)!] : []))),
    liveConversations: () => Promise.resolve(new Set()),
  };
  const conversations = {
    idsForUser: () => Promise.resolve(opts.member),
    memberOf: (_u: string, ids: readonly string[]) =>
      Promise.resolve(new Set(ids.filter((id) => opts.member.includes(id)))),
    cursorsIn: () => Promise.resolve(new Map()),
  } as unknown as ConversationRepository;
  return { service: new SearchService(index, source, conversations), queries, db };
}

const req = { q: 'm', limit: 2, filters: {} };

describe('SearchService', () => {
  it('answers not_found for a conversation the caller is not in, without querying', async () => {
    const { service, queries } = setup({ member: [cid(1)], stored: [message(1, cid(2))] });
    await expect(service.search('u1', { ...req, conversationId: cid(2) })).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(queries).toEqual([]);
  });

  it('searches the caller’s conversations in chunks and pages the merge without repeats', async () => {
    const member = Array.from({ length: CHUNK + 5 }, (_, i) => cid(i + 1));
    const stored = [1, 2, 3, 4, 5].map((n) => message(n, member[n * 200]));
    const { service, queries } = setup({ member, stored });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.search('u1', { ...req, cursor });
      seen.push(...page.items.map((i) => i.message.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([5, 4, 3, 2, 1].map(mid));
    expect(queries[0].conversationIds).toHaveLength(CHUNK);
    expect(queries[1].conversationIds).toHaveLength(5);
  });

  it('leaves out a hit whose message is deleted by now, and escapes a missing highlight', async () => {
    const c = cid(1);
    const { service } = setup({
      member: [c],
      stored: [message(1, c), message(2, c, { deletedAt: new Date(), content: null })],
    });
    const page = await service.search('u1', { ...req, limit: 5 });
    expect(page.items.map((i) => [i.message.id, i.highlight])).toEqual([[mid(1), 'm1 &lt;b&gt;']]);
  });

  it('answers unavailable when the engine is down, and validation_failed for a bad cursor', async () => {
    const { service } = setup({ member: [cid(1)], stored: [], down: true });
    const down = await service.search('u1', req).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(ChatError);
    expect(down).toMatchObject({ code: 'unavailable' });
    await expect(service.search('u1', { ...req, cursor: 'abc' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});
