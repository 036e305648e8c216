import { Inject, Injectable } from '@nestjs/common';
import { Model, mongo, Types } from 'mongoose';
import { Batcher, settleAll } from '../infra/batcher';
import { DuplicateKeyError } from '../messages/message.repository';
import { ConversationRepository, MemberCursors, NewConversation } from './conversation.repository';
import {
  CONVERSATION_MODEL,
  ConversationDoc,
  MEMBER_MODEL,
  MemberDoc,
} from './conversation.schema';
import {
  Conversation,
  Deletions,
  newConversationView,
  StoredConversationState,
  toConversation,
  toConversationState,
} from './conversation.types';

const oid = (id: string) => new Types.ObjectId(id);

/**
 * A member row's _id is its natural key. Besides making the pair unique, it turns every
 * per-member read and cursor write into an _id lookup, the one filter FerretDB's SQLite
 * backend pushes down to an index (others scan the collection).
 */
const memberKey = (conversationId: string, userId: string) => `${conversationId}:${userId}`;

type CursorRow = { conversationId: string; userId: string } & MemberCursors;

/**
 * Summaries and cursors are written by many actors at once: each kind is group-committed
 * into one bulkWrite per flush for the whole node (an actor never has two of its own writes
 * in flight, see ConversationActor's write lane, so one flush never holds two updates of one
 * document from the same writer).
 */
@Injectable()
export class ConversationMongoRepository implements ConversationRepository {
  private readonly summaries = new Batcher<Conversation>(
    settleAll((list) => this.writeSummaries(list)),
  );
  private readonly cursorRows = new Batcher<CursorRow[]>(
    settleAll((lists) => this.writeCursors(lists.flat())),
    1000,
    (rows) => rows.length,
  );

  constructor(
    @Inject(CONVERSATION_MODEL) private readonly conversations: Model<ConversationDoc>,
    @Inject(MEMBER_MODEL) private readonly members: Model<MemberDoc>,
  ) {}

  async create(c: NewConversation): Promise<Conversation> {
    const doc = {
      _id: oid(c.id),
      type: c.type,
      name: c.name,
      participants: c.participants,
      admins: c.admins,
      createdBy: c.createdBy,
      key: c.key,
      lastSeq: 0,
      // New conversations sort by their creation until they have a message.
      lastMessageAt: c.now,
      lastMessage: null,
      deletions: { seqs: [], from: 1 },
      deletedAt: null,
      createdAt: c.now,
      updatedAt: c.now,
    };
    try {
      await this.conversations.collection.insertOne(doc);
    } catch (err) {
      if (err instanceof mongo.MongoServerError && err.code === 11000) {
        throw new DuplicateKeyError(err.message);
      }
      throw err;
    }
    await this.addMembers(c.id, c.participants, c.now);
    return newConversationView(c);
  }

  async findStateById(id: string): Promise<StoredConversationState | null> {
    const doc = await this.conversations.findById(oid(id)).lean();
    return doc ? toConversationState(doc as never) : null;
  }

  async saveDeletions(conversationId: string, deletions: Deletions): Promise<void> {
    await this.conversations.collection.updateOne(
      { _id: oid(conversationId) },
      { $set: { deletions } },
    );
  }

  async findByKey(key: string): Promise<Conversation | null> {
    const doc = await this.conversations.findOne({ key }).lean();
    return doc ? toConversation(doc as never) : null;
  }

  async listForUser(
    userId: string,
    q: { limit: number; after?: { lastMessageAt: Date; id: string } },
  ): Promise<StoredConversationState[]> {
    const page = q.after
      ? {
          $or: [
            { lastMessageAt: { $lt: q.after.lastMessageAt } },
            { lastMessageAt: q.after.lastMessageAt, _id: { $lt: oid(q.after.id) } },
          ],
        }
      : {};
    const docs = await this.conversations
      .find({ participants: userId, deletedAt: null, ...page })
      .sort({ lastMessageAt: -1, _id: -1 })
      .limit(q.limit)
      .lean();
    return docs.map((d) => toConversationState(d as never));
  }

  async memberOf(userId: string, ids: readonly string[]): Promise<Set<string>> {
    const valid = ids.filter((id) => Types.ObjectId.isValid(id) && /^[0-9a-f]{24}$/.test(id));
    if (valid.length === 0) return new Set();
    const docs = await this.conversations
      .find({ _id: { $in: valid.map(oid) }, participants: userId, deletedAt: null }, { _id: 1 })
      .lean();
    return new Set(docs.map((d) => d._id.toHexString()));
  }

  async idsForUser(userId: string): Promise<string[]> {
    const docs = await this.conversations
      .find({ participants: userId, deletedAt: null }, { _id: 1 })
      .lean();
    return docs.map((d) => d._id.toHexString());
  }

  async cursors(conversationId: string, userId: string): Promise<MemberCursors> {
    const row = await this.members.findById(memberKey(conversationId, userId)).lean();
    return { readSeq: row?.readSeq ?? 0, deliveredSeq: row?.deliveredSeq ?? 0 };
  }

  async cursorsIn(conversationId: string): Promise<Map<string, MemberCursors>> {
    const rows = await this.members
      .find({ conversationId: oid(conversationId) }, { userId: 1, readSeq: 1, deliveredSeq: 1 })
      .lean();
    return new Map(
      rows.map((r) => [r.userId, { readSeq: r.readSeq, deliveredSeq: r.deliveredSeq }]),
    );
  }

  async cursorsOf(userId: string, ids: readonly string[]): Promise<Map<string, MemberCursors>> {
    const rows = await this.members
      .find(
        { userId, conversationId: { $in: ids.map(oid) } },
        { conversationId: 1, readSeq: 1, deliveredSeq: 1 },
      )
      .lean();
    return new Map(
      rows.map((r) => [
        r.conversationId.toHexString(),
        { readSeq: r.readSeq, deliveredSeq: r.deliveredSeq },
      ]),
    );
  }

  saveLastMessage(c: Conversation): Promise<void> {
    return this.summaries.submit(c);
  }

  private async writeSummaries(list: readonly Conversation[]): Promise<void> {
    const now = new Date();
    await this.conversations.collection.bulkWrite(
      list.map((c) => ({
        updateOne: {
          filter: { _id: oid(c.id), lastSeq: { $lt: c.lastSeq } },
          update: {
            $set: {
              lastSeq: c.lastSeq,
              lastMessageAt: c.lastMessageAt,
              lastMessage: c.lastMessage && { ...c.lastMessage, id: oid(c.lastMessage.id) },
              updatedAt: now,
            },
          },
        },
      })),
      { ordered: false },
    );
  }

  async saveMembership(
    c: Conversation,
    change: { added: readonly string[]; removed: readonly string[] },
  ): Promise<void> {
    await this.conversations.collection.updateOne(
      { _id: oid(c.id) },
      {
        $set: {
          name: c.name,
          participants: c.participants,
          admins: c.admins,
          updatedAt: c.updatedAt,
        },
      },
    );
    if (change.added.length) await this.addMembers(c.id, change.added, c.updatedAt);
    if (change.removed.length) {
      await this.members.deleteMany({
        conversationId: oid(c.id),
        userId: { $in: [...change.removed] },
      });
    }
  }

  async markDeleted(c: Conversation, at: Date): Promise<void> {
    await this.conversations.collection.updateOne(
      { _id: oid(c.id) },
      // Frees the pair's key so the two users can start a new private conversation.
      { $set: { deletedAt: at, updatedAt: at, key: `deleted:${c.id}` } },
    );
  }

  saveCursors(
    conversationId: string,
    rows: readonly ({ userId: string } & MemberCursors)[],
  ): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.cursorRows.submit(rows.map((r) => ({ conversationId, ...r })));
  }

  private async writeCursors(rows: readonly CursorRow[]): Promise<void> {
    const now = new Date();
    await this.members.collection.bulkWrite(
      rows.map((r) => ({
        updateOne: {
          filter: { _id: memberKey(r.conversationId, r.userId) as never },
          update: {
            $max: { readSeq: r.readSeq, deliveredSeq: r.deliveredSeq },
            $set: { updatedAt: now },
          },
        },
      })),
      { ordered: false },
    );
  }

  /** Idempotent: a row that already exists keeps its cursors. */
  private async addMembers(conversationId: string, userIds: readonly string[], at: Date) {
    await this.members.collection.bulkWrite(
      userIds.map((userId) => ({
        updateOne: {
          filter: { _id: memberKey(conversationId, userId) as never },
          update: {
            $setOnInsert: {
              conversationId: oid(conversationId),
              userId,
              readSeq: 0,
              deliveredSeq: 0,
              joinedAt: at,
              createdAt: at,
            },
            $set: { updatedAt: at },
          },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }
}
