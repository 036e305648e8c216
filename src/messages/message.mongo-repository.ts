import { Inject, Injectable } from '@nestjs/common';
import { Model, mongo, Types } from 'mongoose';
import type { ParentInfo } from '../actors/conversation-state';
import type { StoredReaction } from '../reactions/reaction-state';
import { summaryOf, ThreadSummary } from '../threads/thread-state';
import { DuplicateKeyError, MessageRepository } from './message.repository';
import { MESSAGE_MODEL, MessageDoc } from './message.schema';
import { Message, toMessage } from './message.types';

const oid = (id: string) => new Types.ObjectId(id);

/** MessageRepository on MongoDB (or FerretDB) through the driver collection for the hot path. */
@Injectable()
export class MessageMongoRepository implements MessageRepository {
  constructor(@Inject(MESSAGE_MODEL) private readonly model: Model<MessageDoc>) {}

  async insertBatch(messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    const docs = messages.map((m) => ({
      _id: oid(m.id),
      conversationId: oid(m.conversationId),
      seq: m.seq,
      senderId: m.senderId,
      clientMessageId: m.clientMessageId,
      content: m.content,
      attachments: m.attachments.map((a) => ({ ...a, id: oid(a.id) })),
      parentId: m.parentId ? oid(m.parentId) : null,
      replyCount: 0,
      lastReplyAt: null,
      replyUserIds: [],
      reactions: [],
      editedAt: null,
      deletedAt: null,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
    }));
    try {
      // Bypasses mongoose documents on purpose: the actor already built and checked them.
      await this.model.collection.insertMany(docs, { ordered: true });
    } catch (err) {
      if (isDuplicateKey(err))
        throw new DuplicateKeyError((err as Error).message, storedBefore(err));
      throw err;
    }
  }

  async page(
    conversationId: string,
    q: { after?: number; before?: number; limit: number; parentId?: string },
  ): Promise<{ items: Message[]; hasMore: boolean }> {
    const seq: Record<string, number> = {};
    if (q.after !== undefined) seq.$gt = q.after;
    if (q.before !== undefined) seq.$lt = q.before;
    const filter = {
      conversationId: oid(conversationId),
      ...(Object.keys(seq).length ? { seq } : {}),
      ...(q.parentId ? { parentId: oid(q.parentId) } : {}),
    };
    // `after` pages forward from the cursor; otherwise the newest window below `before`.
    const forward = q.after !== undefined && q.before === undefined;
    const docs = await this.model
      .find(filter)
      .sort({ seq: forward ? 1 : -1 })
      .limit(q.limit + 1)
      .lean();
    const hasMore = docs.length > q.limit;
    const window = docs.slice(0, q.limit);
    if (!forward) window.reverse();
    return { items: window.map((d) => toMessage(d as never)), hasMore };
  }

  async findById(conversationId: string, messageId: string): Promise<Message | null> {
    const doc = await this.model
      .findOne({ _id: oid(messageId), conversationId: oid(conversationId) })
      .lean();
    return doc ? toMessage(doc as never) : null;
  }

  async findByClientIds(
    conversationId: string,
    keys: readonly { senderId: string; clientMessageId: string }[],
  ): Promise<Message[]> {
    if (keys.length === 0) return [];
    const docs = await this.model
      .find({
        conversationId: oid(conversationId),
        $or: keys.map((k) => ({ senderId: k.senderId, clientMessageId: k.clientMessageId })),
      })
      .lean();
    return docs.map((d) => toMessage(d as never));
  }

  async parents(conversationId: string, ids: readonly string[]): Promise<Map<string, ParentInfo>> {
    const out = new Map<string, ParentInfo>();
    if (ids.length === 0) return out;
    const docs = await this.model
      .find(
        { conversationId: oid(conversationId), _id: { $in: ids.map(oid) } },
        { seq: 1, parentId: 1, deletedAt: 1, replyCount: 1, lastReplyAt: 1, replyUserIds: 1 },
      )
      .lean();
    for (const d of docs) {
      out.set(d._id.toHexString(), {
        seq: d.seq,
        parentId: d.parentId ? d.parentId.toHexString() : null,
        deleted: !!d.deletedAt,
        replyCount: d.replyCount ?? 0,
        lastReplyAt: d.lastReplyAt ?? null,
        replyUserIds: d.replyUserIds ?? [],
      });
    }
    return out;
  }

  async conversationsOf(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const docs = await this.model
      .find({ _id: { $in: ids.map(oid) } }, { conversationId: 1 })
      .lean();
    return new Map(docs.map((d) => [d._id.toHexString(), d.conversationId.toHexString()]));
  }

  async saveThreads(
    conversationId: string,
    summaries: ReadonlyMap<string, ThreadSummary>,
  ): Promise<void> {
    if (summaries.size === 0) return;
    await this.model.collection.bulkWrite(
      [...summaries].map(([id, s]) => ({
        updateOne: {
          filter: { _id: oid(id), conversationId: oid(conversationId) },
          update: {
            $set: {
              replyCount: s.replyCount,
              lastReplyAt: s.lastReplyAt,
              replyUserIds: s.replyUserIds,
            },
          },
        },
      })),
      { ordered: false },
    );
  }

  async threadSummary(conversationId: string, rootId: string): Promise<ThreadSummary> {
    const filter = { conversationId: oid(conversationId), parentId: oid(rootId), deletedAt: null };
    const replyCount = await this.model.countDocuments(filter);
    // Newest first until ten distinct senders (or the replies) run out.
    const seen: { senderId: string; createdAt: Date }[] = [];
    const senders = new Set<string>();
    const cursor = this.model.collection
      .find(filter, { projection: { senderId: 1, createdAt: 1 } })
      .sort({ seq: -1 })
      .batchSize(100);
    for await (const d of cursor) {
      seen.push({ senderId: String(d.senderId), createdAt: d.createdAt as Date });
      senders.add(String(d.senderId));
      if (senders.size >= 10) break;
    }
    await cursor.close();
    return summaryOf(seen, replyCount);
  }

  async threads(
    conversationId: string,
    q: { limit: number; after?: { lastReplyAt: Date; id: string } },
  ): Promise<{ items: Message[]; hasMore: boolean }> {
    const after = q.after && {
      $or: [
        { lastReplyAt: { $lt: q.after.lastReplyAt } },
        { lastReplyAt: q.after.lastReplyAt, _id: { $lt: oid(q.after.id) } },
      ],
    };
    const docs = await this.model
      .find({ conversationId: oid(conversationId), replyCount: { $gt: 0 }, ...after })
      .sort({ lastReplyAt: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean();
    return {
      items: docs.slice(0, q.limit).map((d) => toMessage(d as never)),
      hasMore: docs.length > q.limit,
    };
  }

  async reactionsOf(
    conversationId: string,
    messageId: string,
  ): Promise<{ seq: number; deleted: boolean; reactions: StoredReaction[] } | null> {
    const doc = await this.model
      .findOne(
        { _id: oid(messageId), conversationId: oid(conversationId) },
        { seq: 1, deletedAt: 1, reactions: 1 },
      )
      .lean();
    if (!doc) return null;
    return {
      seq: doc.seq,
      deleted: !!doc.deletedAt,
      reactions: (doc.reactions ?? []).map((r) => ({ emoji: r.emoji, userIds: r.userIds })),
    };
  }

  async saveReactions(
    conversationId: string,
    rows: readonly { messageId: string; reactions: StoredReaction[]; updatedAt: Date }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.model.collection.bulkWrite(
      rows.map((r) => ({
        updateOne: {
          // Never onto a tombstone: a deleted message keeps no reactions.
          filter: { _id: oid(r.messageId), conversationId: oid(conversationId), deletedAt: null },
          update: { $set: { reactions: r.reactions, updatedAt: r.updatedAt } },
        },
      })),
      { ordered: false },
    );
  }

  async update(message: Message): Promise<void> {
    await this.model.collection.updateOne(
      { _id: oid(message.id), conversationId: oid(message.conversationId) },
      {
        $set: {
          content: message.content,
          attachments: message.attachments.map((a) => ({ ...a, id: oid(a.id) })),
          // Reactions are the actor's ReactionCoalescer's to write (a served message lists
          // at most 100 users per emoji): only a deletion clears them here.
          ...(message.deletedAt ? { reactions: [] } : {}),
          editedAt: message.editedAt,
          deletedAt: message.deletedAt,
          updatedAt: message.updatedAt,
        },
      },
    );
  }

  async countUnread(conversationId: string, userId: string, readSeq: number): Promise<number> {
    return this.model.countDocuments({
      conversationId: oid(conversationId),
      seq: { $gt: readSeq },
      senderId: { $ne: userId },
      deletedAt: null,
    });
  }
}

/** An ordered insert stops at its one write error: its index is how many were stored. */
function storedBefore(err: unknown): number | undefined {
  if (!(err instanceof mongo.MongoBulkWriteError)) return undefined;
  const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  const index = errors[0]?.index;
  return typeof index === 'number' && errors.length === 1 ? index : undefined;
}

function isDuplicateKey(err: unknown): boolean {
  return (
    (err instanceof mongo.MongoServerError || err instanceof mongo.MongoBulkWriteError) &&
    (err as { code?: number }).code === 11000
  );
}
