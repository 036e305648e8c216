import { Registry } from 'prom-client';
import type { Message } from '../messages/message.types';
import type { MessageSource } from './message-source';
import type { SearchDoc, SearchIndex, SearchRemoval } from './search-index';
import { CARRIED_FOR_MS, SearchIndexer } from './search-indexer';
import { toSearchDoc } from './search-mapping';
import type { SearchJob } from './search-queue';
import { aMessage } from '../../test/support/message-fixture';

const message = (id: string, over: Partial<Message> = {}): Message =>
  aMessage({
    id,
    senderId: 'u1',
    content: `text of ${id}`,
    createdAt: new Date(1000),
    updatedAt: new Date(2000),
    clientMessageId: id,
    ...over,
  });

/** The index's versioning rule in memory: a write at a lower version than stored is skipped. */
class VersionedIndex implements Pick<SearchIndex, 'ensureIndex' | 'write' | 'removeConversation'> {
  readonly docs = new Map<string, { version: number; doc?: SearchDoc }>();
  purged: string[] = [];
  ensureIndex = () => Promise.resolve();
  write(upserts: readonly SearchDoc[], removals: readonly SearchRemoval[]) {
    for (const d of upserts) this.apply(d.id, d.version, d);
    for (const r of removals) this.apply(r.id, r.version);
    return Promise.resolve();
  }
  removeConversation(id: string) {
    this.purged.push(id);
    return Promise.resolve();
  }
  private apply(id: string, version: number, doc?: SearchDoc) {
    if ((this.docs.get(id)?.version ?? 0) <= version) this.docs.set(id, { version, doc });
  }
}

function setup(stored: Message[], live = ['c'.repeat(24)]) {
  const db = new Map(stored.map((m) => [m.id, m]));
  const reads: string[] = [];
  const source: MessageSource = {
    messages: (ids) => {
      reads.push(...ids);
      return Promise.resolve(ids.flatMap((id) => (db.has(id) ? [db.get(id)!] : [])));
    },
    liveConversations: (ids) => Promise.resolve(new Set(ids.filter((id) => live.includes(id)))),
  };
  const index = new VersionedIndex();
  const indexer = new SearchIndexer(source, index as unknown as SearchIndex, new Registry());
  return { db, index, indexer, reads };
}

const job = (...ids: string[]) => ({
  messages: ids.map((messageId) => ({ conversationId: 'c'.repeat(24), messageId })),
  conversations: [],
});

describe('SearchIndexer', () => {
  it('indexes what is stored now, whatever the job saw: repeats and late jobs converge', async () => {
    const { db, index, indexer } = setup([message('m1')]);
    await indexer.process(job('m1'));
    db.set('m1', message('m1', { content: 'edited', updatedAt: new Date(3000) }));
    await indexer.process(job('m1'));
    await indexer.process(job('m1')); // the first job again, late: reads the edit too
    expect(index.docs.get('m1')).toMatchObject({ version: 3000, doc: { content: 'edited' } });
  });

  it('removes deleted messages and those of a deleted conversation; skips unstored ones', async () => {
    const { index, indexer } = setup(
      [
        message('m1', { deletedAt: new Date(4000), updatedAt: new Date(4000), content: null }),
        message('m2', { conversationId: 'd'.repeat(24) }),
      ],
      ['c'.repeat(24)],
    );
    const result = await indexer.process({
      ...job('m1', 'm2', 'never-stored'),
      conversations: ['e'.repeat(24)],
    });
    expect(result).toEqual({ upserted: 0, removed: 2 });
    expect(index.docs.get('m1')).toEqual({ version: 4000, doc: undefined });
    expect(index.docs.get('m2')?.doc).toBeUndefined();
    expect(index.docs.has('never-stored')).toBe(false);
    expect(index.purged).toEqual(['e'.repeat(24)]);
  });

  /** A job as the relay makes it: the ids and, made `age` ms ago, what the events carried. */
  const carried = (age: number, ...messages: Message[]): SearchJob => ({
    ...job(...messages.map((m) => m.id)),
    carried: { at: Date.now() - age, changes: messages.map((m) => ({ upsert: toSearchDoc(m) })) },
  });

  it('writes a fresh job’s carried states without reading the messages', async () => {
    const { index, indexer, reads } = setup([]);
    await indexer.process(carried(0, message('m1', { content: 'as sent' })));
    expect(index.docs.get('m1')?.doc).toMatchObject({ content: 'as sent' });
    expect(reads).toEqual([]);
  });

  it('re-reads a late job (a backlog, a retry): the stored state wins over the carried one', async () => {
    const { index, indexer, reads } = setup([
      message('m1', { content: 'edited', updatedAt: new Date(3000) }),
    ]);
    await indexer.process(carried(CARRIED_FOR_MS + 1, message('m1', { content: 'as sent' })));
    expect(index.docs.get('m1')).toMatchObject({ version: 3000, doc: { content: 'edited' } });
    expect(reads).toEqual(['m1']);
  });

  it('lets neither a carried state older than the index’s nor one of a deleted conversation in', async () => {
    const { index, indexer } = setup([], ['c'.repeat(24)]);
    await indexer.process(
      carried(0, message('m1', { content: 'edited', updatedAt: new Date(3000) })),
    );
    await indexer.process(carried(0, message('m1', { content: 'as sent' }))); // ran late
    expect(index.docs.get('m1')).toMatchObject({ version: 3000, doc: { content: 'edited' } });
    await indexer.process(carried(0, message('m2', { conversationId: 'd'.repeat(24) })));
    expect(index.docs.get('m2')).toEqual({ version: 2000, doc: undefined });
  });
});
