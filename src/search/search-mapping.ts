import type { Message } from '../messages/message.types';
import type { SearchCursor, SearchDoc, SearchFilters } from './search-index';

/**
 * Bumped whenever the settings or mapping below change: the index behind the alias is
 * `<alias>-v<MAPPING_VERSION>`, so a new mapping goes into a new index (`npm run
 * search:reindex` fills it and moves the alias) and the old one keeps serving meanwhile.
 */
export const MAPPING_VERSION = 1;

export const indexName = (alias: string) => `${alias}-v${MAPPING_VERSION}`;

/**
 * Content analysis for every language, with the standard modules only (analysis-common):
 * the Unicode word tokenizer, full-width/half-width folding, lowercase, ASCII folding of
 * accents (café = cafe = CAFÉ), then CJK bigrams with their unigrams (東京タワー indexes
 * 東, 東京, 京, 京タ, ...) so CJK text matches by its characters without a dictionary.
 * `content.prefix` adds the edge n-grams of every token (prefix search on the last term).
 */
export function indexSettings(shards: number, replicas: number) {
  return {
    index: { number_of_shards: shards, number_of_replicas: replicas, refresh_interval: '1s' },
    analysis: {
      filter: {
        parley_bigram: { type: 'cjk_bigram', output_unigrams: true },
        parley_edge: { type: 'edge_ngram', min_gram: 1, max_gram: MAX_PREFIX },
      },
      analyzer: {
        parley_text: {
          type: 'custom',
          tokenizer: 'standard',
          filter: ['cjk_width', 'lowercase', 'asciifolding', 'parley_bigram'],
        },
        parley_prefix: {
          type: 'custom',
          tokenizer: 'standard',
          filter: ['cjk_width', 'lowercase', 'asciifolding', 'parley_bigram', 'parley_edge'],
        },
      },
    },
  };
}

/** Longest prefix indexed; a longer last term also matches as a whole word (see buildQuery). */
const MAX_PREFIX = 20;

export const MAPPINGS = {
  dynamic: 'strict',
  _routing: { required: true },
  properties: {
    id: { type: 'keyword' },
    conversationId: { type: 'keyword' },
    senderId: { type: 'keyword' },
    has: { type: 'keyword' },
    createdAt: { type: 'date' },
    seq: { type: 'long' },
    content: {
      type: 'text',
      analyzer: 'parley_text',
      fields: {
        prefix: { type: 'text', analyzer: 'parley_prefix', search_analyzer: 'parley_text' },
      },
    },
  },
} as const;

const LINK = /\bhttps?:\/\/\S|\bwww\.\S/i;

/** What the index takes of a message (a stored one, or one as its event carried it). */
export type IndexedFields = Pick<
  Message,
  | 'id'
  | 'conversationId'
  | 'senderId'
  | 'seq'
  | 'content'
  | 'attachments'
  | 'createdAt'
  | 'updatedAt'
>;

/**
 * The indexed form of a live message. Its version is `updatedAt` in ms: every change to a
 * message moves it forward, so with external versioning a stale write never wins.
 */
export function toSearchDoc(m: IndexedFields): SearchDoc {
  const has: SearchDoc['has'] = [];
  if (m.attachments.length > 0) has.push('attachment');
  if (m.content && LINK.test(m.content)) has.push('link');
  return {
    id: m.id,
    conversationId: m.conversationId,
    senderId: m.senderId,
    has,
    createdAt: m.createdAt.toISOString(),
    seq: m.seq,
    content: m.content ?? '',
    version: m.updatedAt.getTime(),
  };
}

/** A term worth matching: it has a letter, a digit or an emoji (not punctuation only). */
const MEANINGFUL = /[\p{L}\p{N}\p{Extended_Pictographic}]/u;

/** `q` split into its terms (whitespace), punctuation-only ones left out. */
export function queryTerms(q: string): string[] {
  return q
    .trim()
    .split(/\s+/u)
    .filter((t) => MEANINGFUL.test(t));
}

/**
 * The OpenSearch query for `terms` within `conversationIds`: every term must match (terms
 * the analyzer turns into nothing, such as an emoji it drops, are ignored rather than
 * matching nothing), the last one also as a prefix. Newest first, ties by id, so
 * `search_after` pages neither repeat nor skip.
 */
export function buildQuery(
  terms: readonly string[],
  conversationIds: readonly string[],
  filters: SearchFilters,
  limit: number,
  after?: SearchCursor,
) {
  const must: object[] = [];
  const head = terms.slice(0, -1).join(' ');
  const last = terms[terms.length - 1];
  const match = (field: string, query: string) => ({
    match: { [field]: { query, operator: 'and', zero_terms_query: 'all' } },
  });
  if (head) must.push(match('content', head));
  if (last) {
    must.push({
      bool: {
        should: [match('content', last), match('content.prefix', last)],
        minimum_should_match: 1,
      },
    });
  }
  const filter: object[] = [{ terms: { conversationId: conversationIds } }];
  if (filters.from) filter.push({ term: { senderId: filters.from } });
  if (filters.has) filter.push({ term: { has: filters.has } });
  if (filters.before || filters.after) {
    filter.push({
      range: {
        createdAt: {
          ...(filters.before && { lt: filters.before.toISOString() }),
          ...(filters.after && { gt: filters.after.toISOString() }),
        },
      },
    });
  }
  return {
    size: limit,
    track_total_hits: false,
    _source: false,
    query: { bool: { must, filter } },
    sort: [{ createdAt: { order: 'desc' } }, { id: { order: 'desc' } }],
    ...(after && { search_after: [after.createdAt, after.id] }),
    highlight: {
      // Every term of the query is looked for in both fields (require_field_match off); the
      // adapter takes the prefix field's (whole words that start with a term) or, for CJK,
      // the plain field's. The rest of the content is escaped.
      fields: { content: {}, 'content.prefix': {} },
      require_field_match: false,
      number_of_fragments: 0,
      encoder: 'html',
      pre_tags: ['<mark>'],
      post_tags: ['</mark>'],
    },
  };
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '/': '&#x2F;',
};

/** The same escaping as OpenSearch's html encoder, for content that had no highlight. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'/]/g, (c) => ESCAPES[c]);
}

/** A cursor is the last hit's sort values, as opaque base64url JSON. */
export function encodeCursor(c: SearchCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
}

/** The cursor, or undefined when the text is not one this API made. */
export function decodeCursor(text: string): SearchCursor | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      Number.isSafeInteger(v[0]) &&
      typeof v[1] === 'string' &&
      /^[0-9a-f]{24}$/.test(v[1])
    ) {
      return { createdAt: v[0] as number, id: v[1] };
    }
  } catch {
    // not JSON
  }
  return undefined;
}
