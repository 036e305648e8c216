import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MessageSource } from './message-source';
import type { SearchDoc, SearchIndex, SearchRemoval } from './search-index';
import { toSearchDoc } from './search-mapping';
import type { SearchJob } from './search-queue';

/**
 * Applies one `search-index` job: re-reads its messages and conversations and writes what
 * they are now. A live message of a live conversation is upserted, a deleted one (or one
 * whose conversation is gone) removed, both at the message's version; a message that is not
 * stored is skipped (its change failed). So running a job twice, late, or after a newer one
 * leaves the index at the latest state; a job that fails is retried whole.
 */
export class SearchIndexer {
  private readonly lag: Histogram;
  private readonly lastLag: Gauge;
  private readonly written: Counter;

  constructor(
    private readonly source: MessageSource,
    private readonly index: SearchIndex,
    registry: Registry,
  ) {
    this.lag = new Histogram({
      name: 'parley_search_index_lag_seconds',
      help: 'From a message change (its updatedAt) to its indexing in OpenSearch',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
      registers: [registry],
    });
    this.lastLag = new Gauge({
      name: 'parley_search_index_lag_last_seconds',
      help: 'Indexing lag of the oldest change in the last indexed batch',
      registers: [registry],
    });
    this.written = new Counter({
      name: 'parley_search_index_writes_total',
      help: 'Messages written to the search index, by operation',
      labelNames: ['op'] as const,
      registers: [registry],
    });
  }

  async process(job: SearchJob): Promise<{ upserted: number; removed: number }> {
    await this.index.ensureIndex();
    const messages = await this.source.messages(job.messages.map((m) => m.messageId));
    const live = await this.source.liveConversations([
      ...new Set(messages.map((m) => m.conversationId)),
    ]);
    const upserts: SearchDoc[] = [];
    const removals: SearchRemoval[] = [];
    for (const m of messages) {
      const version = m.updatedAt.getTime();
      if (m.deletedAt || !live.has(m.conversationId)) {
        removals.push({ id: m.id, conversationId: m.conversationId, version });
      } else {
        upserts.push(toSearchDoc(m));
      }
    }
    await this.index.write(upserts, removals);
    for (const conversationId of job.conversations) {
      await this.index.removeConversation(conversationId);
    }
    const now = Date.now();
    let oldest = now;
    for (const m of messages) {
      const changedAt = m.updatedAt.getTime();
      oldest = Math.min(oldest, changedAt);
      this.lag.observe(Math.max(0, now - changedAt) / 1000);
    }
    if (messages.length) this.lastLag.set((now - oldest) / 1000);
    this.written.inc({ op: 'upsert' }, upserts.length);
    this.written.inc({ op: 'remove' }, removals.length);
    return { upserted: upserts.length, removed: removals.length };
  }
}
