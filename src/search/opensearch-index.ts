import { Client, errors } from '@opensearch-project/opensearch';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import {
  SearchDoc,
  SearchHit,
  SearchIndex,
  SearchQuery,
  SearchRemoval,
  SearchUnavailableError,
} from './search-index';
import { buildQuery, indexName, indexSettings, MAPPINGS } from './search-mapping';

interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string };
}

interface RawHit {
  _id: string;
  _routing?: string;
  sort?: [number, string];
  highlight?: Record<string, string[]>;
}

const PURGE_PAGE = 1000;

/** Scripts whose text the prefix field would highlight a character too far (bigrams). */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** An answer that says the engine (not the request) is the problem: retry later. */
const retryable = (status: number) => status === 429 || status >= 500;

/**
 * SearchIndex on OpenSearch through the alias `config.search.alias`. Documents are routed by
 * conversation (a conversation's messages share a shard) and written with external versions
 * (`external_gte`: the same version again is a no-op success, an older one a 409 we skip).
 */
export class OpenSearchIndex implements SearchIndex {
  readonly client: Client;
  private readonly alias: string;
  /** Checked once per process (every batch calls ensureIndex). */
  private ensured = false;

  constructor(
    private readonly config: AppConfig['search'] & { url: string },
    private readonly logger: Logger,
  ) {
    this.alias = config.alias;
    this.client = new Client({
      node: config.url,
      ...(config.auth && { auth: config.auth }),
      requestTimeout: config.timeoutMs,
      maxRetries: 1,
    });
  }

  /** Creates index `name` with the current settings and mapping (no alias). */
  async createIndex(name: string, aliased = false): Promise<void> {
    await this.client.indices.create({
      index: name,
      body: {
        settings: indexSettings(this.config.shards, this.config.replicas),
        mappings: MAPPINGS,
        ...(aliased && { aliases: { [this.alias]: {} } }),
      } as never,
    });
  }

  /** Points the alias at `name` alone, in one step; returns the indices it left. */
  async moveAlias(name: string): Promise<string[]> {
    const current = await this.client.indices
      .getAlias({ name: this.alias })
      .then((r) => Object.keys(r.body as object))
      .catch((err: unknown) => {
        if (err instanceof errors.ResponseError && err.statusCode === 404) return [];
        throw err;
      });
    const old = current.filter((i) => i !== name);
    await this.client.indices.updateAliases({
      body: {
        actions: [
          ...old.map((index) => ({ remove: { index, alias: this.alias } })),
          { add: { index: name, alias: this.alias } },
        ],
      },
    });
    return old;
  }

  /** `write` into one index by name (the reindex fills a new index before the alias moves). */
  async writeTo(index: string, upserts: readonly SearchDoc[]): Promise<void> {
    const body = upserts.flatMap(({ version, ...doc }) => [
      {
        index: { _id: doc.id, routing: doc.conversationId, version, version_type: 'external_gte' },
      },
      doc,
    ]);
    if (body.length === 0) return;
    const res = await this.call(() => this.client.bulk({ index, body }));
    this.check(res.body as { errors: boolean; items: Record<string, BulkItem>[] });
  }

  async ensureIndex(): Promise<void> {
    if (this.ensured) return;
    await this.call(async () => {
      const exists = await this.client.indices.exists({ index: this.alias });
      if (exists.body) return;
      try {
        await this.createIndex(indexName(this.alias), true);
        this.logger.info(
          { index: indexName(this.alias), alias: this.alias },
          'search index created',
        );
      } catch (err) {
        // Another node created it first.
        if (!(err instanceof errors.ResponseError && err.statusCode === 400)) throw err;
        if (!(await this.client.indices.exists({ index: this.alias })).body) throw err;
      }
    });
    this.ensured = true;
  }

  async write(upserts: readonly SearchDoc[], removals: readonly SearchRemoval[]): Promise<void> {
    if (upserts.length + removals.length === 0) return;
    const body: object[] = [];
    for (const { version, ...doc } of upserts) {
      body.push(
        {
          index: {
            _id: doc.id,
            routing: doc.conversationId,
            version,
            version_type: 'external_gte',
          },
        },
        doc,
      );
    }
    for (const r of removals) {
      body.push({
        delete: {
          _id: r.id,
          routing: r.conversationId,
          version: r.version,
          version_type: 'external_gte',
        },
      });
    }
    const res = await this.call(() => this.client.bulk({ index: this.alias, body }));
    this.check(res.body as { errors: boolean; items: Record<string, BulkItem>[] });
  }

  /** A bulk answer: throws when an item may succeed on retry, logs those that never will. */
  private check(body: { errors: boolean; items: Record<string, BulkItem>[] }): void {
    if (!body.errors) return;
    const failed = body.items
      .map((i) => Object.entries(i)[0])
      // 409: a newer version is there (ours is stale); 404 on a delete: nothing to delete.
      .filter(
        ([op, i]) => i.status >= 300 && i.status !== 409 && !(op === 'delete' && i.status === 404),
      )
      .map(([, i]) => i);
    if (failed.some((i) => i.error?.type === 'index_not_found_exception')) {
      this.ensured = false; // deleted under us: the retry creates it again
      throw new SearchUnavailableError('bulk: the search index does not exist');
    }
    if (failed.some((i) => retryable(i.status))) {
      throw new SearchUnavailableError(`bulk: ${failed.length} items failed (${failed[0].status})`);
    }
    if (failed.length) {
      // A document the mapping refuses would fail the same way on every retry.
      this.logger.error(
        { failed: failed.slice(0, 5), count: failed.length },
        'search docs refused',
      );
    }
  }

  /**
   * Deletes the conversation's documents page by page (delete-by-query lives in the reindex
   * module, which a minimal node lacks), each at version "now": newer than any message
   * version, so a late upsert of one of them is refused too.
   */
  async removeConversation(conversationId: string): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const res = await this.call(() =>
        this.client.search({
          index: this.alias,
          routing: conversationId,
          body: {
            size: PURGE_PAGE,
            _source: false,
            query: { term: { conversationId } },
            sort: [{ id: { order: 'asc' } }],
            ...(after && { search_after: [after] }),
          } as never,
        }),
      );
      const ids = (res.body.hits.hits ?? []).map((h) => h._id);
      if (ids.length === 0) return;
      const version = Date.now();
      const body = ids.map((_id) => ({
        delete: { _id, routing: conversationId, version, version_type: 'external_gte' },
      }));
      const del = await this.call(() => this.client.bulk({ index: this.alias, body }));
      this.check(del.body as { errors: boolean; items: Record<string, BulkItem>[] });
      if (ids.length < PURGE_PAGE) return;
      after = ids[ids.length - 1];
    }
  }

  async query(q: SearchQuery): Promise<SearchHit[]> {
    const res = await this.call(() =>
      this.client.search({
        index: this.alias,
        // One conversation: its shard alone. Many: every shard (routing lists get long).
        ...(q.conversationIds.length === 1 && { routing: q.conversationIds[0] }),
        body: buildQuery(q.terms, q.conversationIds, q.filters, q.limit, q.after) as never,
      }),
    );
    const hits = (res.body.hits.hits ?? []) as unknown as RawHit[];
    // The prefix field marks whole words that start with the last term; for CJK (indexed as
    // overlapping bigrams) the plain field marks exactly the matched characters.
    const field = CJK.test(q.terms[q.terms.length - 1] ?? '') ? 'content' : 'content.prefix';
    return hits.map((h) => ({
      id: h._id,
      conversationId: h._routing ?? '',
      highlight: h.highlight?.[field]?.[0] ?? h.highlight?.content?.[0] ?? null,
      cursor: { createdAt: Number(h.sort?.[0]), id: String(h.sort?.[1]) },
    }));
  }

  async ping(): Promise<void> {
    await this.call(() => this.client.cluster.health({ timeout: '1s' }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Runs one request; an unreachable or failing engine becomes SearchUnavailableError. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof errors.ResponseError && !retryable(err.statusCode ?? 500)) {
        if (err.body?.error?.type === 'index_not_found_exception') {
          throw new SearchUnavailableError('the search index does not exist yet', { cause: err });
        }
        throw err;
      }
      if (err instanceof errors.OpenSearchClientError) {
        throw new SearchUnavailableError(`search engine unavailable: ${err.message}`, {
          cause: err,
        });
      }
      throw err;
    }
  }
}
