import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MessageSource } from './message-source';
import type { SearchDoc, SearchIndex, SearchRemoval } from './search-index';
import { toSearchDoc } from './search-mapping';
import type { SearchChange, SearchJob } from './search-queue';

/**
 * How long after the relay made a job its carried states are written as they are. Below
 * OpenSearch's `index.gc_deletes` (60 s), the time a deletion's tombstone keeps rejecting
 * older versions, with room for the write's own timeout: a carried upsert that is older than
 * a deletion written before it (jobs run concurrently and retry out of order) still meets the
 * tombstone and is skipped. A job older than this re-reads MongoDB instead.
 */
export const CARRIED_FOR_MS = 30_000;

/**
 * Applies one `search-index` job. A fresh job writes the states its events carried; a late one
 * re-reads its messages (a message that is not stored is skipped: its change failed). Either
 * way the conversations are read: a live message of a live conversation is upserted, a
 * deleted one (or one whose conversation is gone) removed, both at the message's version. So
 * running a job twice, late, or after a newer one leaves the index at the latest state; a
 * job that fails is retried whole.
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
    const live = await this.source.liveConversations([
      ...new Set(job.messages.map((m) => m.conversationId)),
    ]);
    const changes =
      job.carried && Date.now() - job.carried.at < CARRIED_FOR_MS
        ? job.carried.changes
        : await this.reread(job);
    const upserts: SearchDoc[] = [];
    const removals: SearchRemoval[] = [];
    for (const c of changes) {
      if ('remove' in c) removals.push(c.remove);
      else if (live.has(c.upsert.conversationId)) upserts.push(c.upsert);
      else
        removals.push({
          id: c.upsert.id,
          conversationId: c.upsert.conversationId,
          version: c.upsert.version,
        });
    }
    await this.index.write(upserts, removals);
    for (const conversationId of job.conversations) {
      await this.index.removeConversation(conversationId);
    }
    const now = Date.now();
    let oldest = now;
    for (const { version } of [...upserts, ...removals]) {
      oldest = Math.min(oldest, version);
      this.lag.observe(Math.max(0, now - version) / 1000);
    }
    if (changes.length) this.lastLag.set((now - oldest) / 1000);
    this.written.inc({ op: 'upsert' }, upserts.length);
    this.written.inc({ op: 'remove' }, removals.length);
    return { upserted: upserts.length, removed: removals.length };
  }

  /** The job's messages as stored now. */
  private async reread(job: SearchJob): Promise<SearchChange[]> {
    const messages = await this.source.messages(job.messages.map((m) => m.messageId));
    return messages.map((m) =>
      m.deletedAt
        ? { remove: { id: m.id, conversationId: m.conversationId, version: m.updatedAt.getTime() } }
        : { upsert: toSearchDoc(m) },
    );
  }
}
