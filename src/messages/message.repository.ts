import type { ParentInfo } from '../actors/conversation-state';
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
export interface MessageRepository {
  /**
   * Stores messages in order, in one round trip (they may belong to several conversations:
   * see GroupCommitWriter). On a duplicate key the documents before the offending one are
   * stored and the rest are not; DuplicateKeyError is thrown with how many were stored.
   */
  insertBatch(messages: readonly Message[]): Promise<void>;
  /** Highest stored seq of the conversation, 0 when it has none. */
  maxSeq(conversationId: string): Promise<number>;
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
  addReplies(conversationId: string, counts: ReadonlyMap<string, number>): Promise<void>;
  /** Writes the mutable fields of an edited or deleted message. */
  update(message: Message): Promise<void>;
  /** Messages after `readSeq` not sent by `userId` and not deleted. */
  countUnread(conversationId: string, userId: string, readSeq: number): Promise<number>;
}
