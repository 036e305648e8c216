import type { Conversation, Deletions, StoredConversationState } from './conversation.types';

export const CONVERSATION_REPOSITORY = Symbol('CONVERSATION_REPOSITORY');

export interface MemberCursors {
  readSeq: number;
  deliveredSeq: number;
}

export interface NewConversation {
  id: string;
  type: Conversation['type'];
  name: string | null;
  participants: string[];
  admins: string[];
  createdBy: string;
  key: string;
  now: Date;
}

/** Conversations and their per-member cursor rows. */
export interface ConversationRepository {
  /** Inserts the conversation and one cursor row per participant; DuplicateKeyError on `key`. */
  create(c: NewConversation): Promise<Conversation>;
  /** The conversation with what only the server keeps (its actor's load). */
  findStateById(id: string): Promise<StoredConversationState | null>;
  findByKey(key: string): Promise<Conversation | null>;
  /** Live conversations of `userId`, newest activity first, keyset-paginated after `cursor`. */
  listForUser(
    userId: string,
    q: { limit: number; after?: { lastMessageAt: Date; id: string } },
  ): Promise<StoredConversationState[]>;
  /** Which of `conversationIds` are live conversations that `userId` belongs to. */
  memberOf(userId: string, conversationIds: readonly string[]): Promise<Set<string>>;
  /** Ids of every live conversation of `userId` (to join its rooms on connect). */
  idsForUser(userId: string): Promise<string[]>;
  cursors(conversationId: string, userId: string): Promise<MemberCursors>;
  /** Every current member's cursors in one conversation, by user id. */
  cursorsIn(conversationId: string): Promise<Map<string, MemberCursors>>;
  cursorsOf(
    userId: string,
    conversationIds: readonly string[],
  ): Promise<Map<string, MemberCursors>>;
  /** Saves the summary of the newest message; never moves lastSeq backwards. */
  saveLastMessage(c: Conversation): Promise<void>;
  /** Saves name, participants and admins, and adds/removes cursor rows to match. */
  saveMembership(
    c: Conversation,
    change: { added: readonly string[]; removed: readonly string[] },
  ): Promise<void>;
  /** Soft-deletes the conversation (its participants lose it from their lists). */
  markDeleted(c: Conversation, at: Date): Promise<void>;
  /** Records the conversation's deleted message seqs (its owner's actor only). */
  saveDeletions(conversationId: string, deletions: Deletions): Promise<void>;
  /** Moves members' cursors forward to these values (never backwards), in one write. */
  saveCursors(
    conversationId: string,
    rows: readonly ({ userId: string } & MemberCursors)[],
  ): Promise<void>;
}
