import type { ParentInfo } from '../actors/conversation-state';
import type { ReactionStore } from '../reactions/reaction-coalescer';
import type { ThreadSummary } from '../threads/thread-state';
import type { Message } from './message.types';

export const MESSAGE_REPOSITORY = Symbol('MESSAGE_REPOSITORY');

/** Thrown by insertBatch when a unique index refused a document. */
export class DuplicateKeyError extends Error {
  override readonly name = 'DuplicateKeyError';
  /**
   * @param stored how many documents of the batch, in order, were stored before the refused
   *   one (undefined when the store did not say).
   */
  constructor(
    message: string,
    readonly stored?: number,
  ) {
    super(message);
  }
}

/**
 * The messages collection. Ordering and idempotency are enforced by unique indexes:
 * `(conversationId, seq)` and `(conversationId, senderId, clientMessageId)`.
 */
export interface MessageRepository extends ReactionStore {
  /**
   * Stores messages in order, in one round trip (they may belong to several conversations:
   * see GroupCommitWriter). On a duplicate key the documents before the offending one are
   * stored and the rest are not; DuplicateKeyError is thrown with how many were stored.
   */
  insertBatch(messages: readonly Message[]): Promise<void>;
  /** Messages with `seq` in (after, before), ascending, at most `limit`, newest window first. */
  page(
    conversationId: string,
    q: { after?: number; before?: number; limit: number; parentId?: string },
  ): Promise<{ items: Message[]; hasMore: boolean }>;
  findById(conversationId: string, messageId: string): Promise<Message | null>;
  findByClientIds(
    conversationId: string,
    keys: readonly { senderId: string; clientMessageId: string }[],
  ): Promise<Message[]>;
  parents(conversationId: string, ids: readonly string[]): Promise<Map<string, ParentInfo>>;
  /** The conversation of each id that names a stored message (any conversation). */
  conversationsOf(ids: readonly string[]): Promise<Map<string, string>>;
  /** Sets thread roots' summaries, in one round trip. */
  saveThreads(conversationId: string, summaries: ReadonlyMap<string, ThreadSummary>): Promise<void>;
  /** A root's summary counted from its replies still standing (after a reply is deleted). */
  threadSummary(conversationId: string, rootId: string): Promise<ThreadSummary>;
  /**
   * Roots with replies standing, newest `lastReplyAt` first (then newest id), after `cursor`.
   */
  threads(
    conversationId: string,
    q: { limit: number; after?: { lastReplyAt: Date; id: string } },
  ): Promise<{ items: Message[]; hasMore: boolean }>;
  /** Writes the content of an edited or deleted message (reactions only to clear them). */
  update(message: Message): Promise<void>;
  /** Messages after `readSeq` not sent by `userId` and not deleted. */
  countUnread(conversationId: string, userId: string, readSeq: number): Promise<number>;
}
