export const SEARCH_INDEX = Symbol('SEARCH_INDEX');

/** One message as the index holds it (what queries filter, sort and highlight on). */
export interface SearchDoc {
  id: string;
  conversationId: string;
  senderId: string;
  has: ('attachment' | 'link')[];
  createdAt: string;
  seq: number;
  content: string;
  /** The message's version (its `updatedAt` in ms); never stored as a field. */
  version: number;
}

/** A message to take out of the index, at the version of its deletion. */
export interface SearchRemoval {
  id: string;
  conversationId: string;
  version: number;
}

export interface SearchFilters {
  from?: string;
  has?: 'attachment' | 'link';
  before?: Date;
  after?: Date;
}

/** The last hit of a page: its `createdAt` (ms) and id, the sort keys. */
export interface SearchCursor {
  createdAt: number;
  id: string;
}

export interface SearchHit {
  id: string;
  conversationId: string;
  /** The content with matched words in `<mark>`, the rest HTML-escaped; null: none made. */
  highlight: string | null;
  cursor: SearchCursor;
}

export interface SearchQuery {
  terms: string[];
  /** Only these conversations (already checked to be the caller's): never empty. */
  conversationIds: string[];
  filters: SearchFilters;
  limit: number;
  after?: SearchCursor;
}

/**
 * The search engine behind message search.
 *
 * Contracts:
 * - Writes are idempotent and converge: `write` upserts and removes with external versions,
 *   so a repeated or out-of-order batch never replaces a newer state with an older one
 *   (an older version is skipped, not an error). A batch either fully applies or throws
 *   (then the caller retries all of it).
 * - The index holds no access rules: `query` searches exactly the conversations it is given,
 *   which the caller must have checked.
 * - Every call fails with SearchUnavailableError when the engine cannot be reached.
 */
export interface SearchIndex {
  /** Creates the index and its alias when missing (idempotent, safe from several nodes). */
  ensureIndex(): Promise<void>;
  write(upserts: readonly SearchDoc[], removals: readonly SearchRemoval[]): Promise<void>;
  /** Removes every message of a conversation (deleted, or gone). */
  removeConversation(conversationId: string): Promise<void>;
  /** Hits newest first, at most `limit`. */
  query(q: SearchQuery): Promise<SearchHit[]>;
  ping(): Promise<void>;
}

export class SearchUnavailableError extends Error {
  override readonly name = 'SearchUnavailableError';
}
