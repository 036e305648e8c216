import type {
  ConversationRepository,
  MemberCursors,
  NewConversation,
} from './conversation.repository';
import type { Conversation, Deletions, StoredConversationState } from './conversation.types';
import type { UserConversationsCache } from './user-conversations.cache';

/**
 * The ConversationRepository with each user's conversation ids served from Redis (a layer
 * over the MongoDB one, as in Mattermost's store layers). Membership writes go to the
 * database first, then to the cache; reads of membership never wait on the database while
 * the cache holds the user.
 */
export class CachedConversationRepository implements ConversationRepository {
  constructor(
    private readonly inner: ConversationRepository,
    private readonly cache: UserConversationsCache,
  ) {}

  async create(c: NewConversation): Promise<Conversation> {
    const created = await this.inner.create(c);
    await this.cache.apply(c.participants.map((userId) => ({ userId, add: [c.id] })));
    return created;
  }

  async saveMembership(
    c: Conversation,
    change: { added: readonly string[]; removed: readonly string[] },
  ): Promise<void> {
    await this.inner.saveMembership(c, change);
    await this.cache.apply([
      ...change.added.map((userId) => ({ userId, add: [c.id] })),
      ...change.removed.map((userId) => ({ userId, remove: [c.id] })),
    ]);
  }

  async markDeleted(c: Conversation, at: Date): Promise<void> {
    await this.inner.markDeleted(c, at);
    await this.cache.apply(c.participants.map((userId) => ({ userId, remove: [c.id] })));
  }

  idsForUser(userId: string): Promise<string[]> {
    return this.cache.ids(userId, () => this.inner.idsForUser(userId));
  }

  async memberOf(userId: string, conversationIds: readonly string[]): Promise<Set<string>> {
    if (conversationIds.length === 0) return new Set();
    const mine = new Set(await this.idsForUser(userId));
    return new Set(conversationIds.filter((id) => mine.has(id)));
  }

  findStateById(id: string): Promise<StoredConversationState | null> {
    return this.inner.findStateById(id);
  }

  saveDeletions(conversationId: string, deletions: Deletions): Promise<void> {
    return this.inner.saveDeletions(conversationId, deletions);
  }

  findByKey(key: string): Promise<Conversation | null> {
    return this.inner.findByKey(key);
  }

  listForUser(
    userId: string,
    q: { limit: number; after?: { lastMessageAt: Date; id: string } },
  ): Promise<StoredConversationState[]> {
    return this.inner.listForUser(userId, q);
  }

  cursors(conversationId: string, userId: string): Promise<MemberCursors> {
    return this.inner.cursors(conversationId, userId);
  }

  cursorsIn(conversationId: string): Promise<Map<string, MemberCursors>> {
    return this.inner.cursorsIn(conversationId);
  }

  cursorsOf(userId: string, ids: readonly string[]): Promise<Map<string, MemberCursors>> {
    return this.inner.cursorsOf(userId, ids);
  }

  saveLastMessage(c: Conversation): Promise<void> {
    return this.inner.saveLastMessage(c);
  }

  saveCursors(
    conversationId: string,
    rows: readonly ({ userId: string } & MemberCursors)[],
  ): Promise<void> {
    return this.inner.saveCursors(conversationId, rows);
  }
}
