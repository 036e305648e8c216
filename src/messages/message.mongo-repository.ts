import { Inject, Injectable } from '@nestjs/common';
import { Model, mongo, Types } from 'mongoose';
import type { ParentInfo } from '../actors/conversation-state';
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

  async maxSeq(conversationId: string): Promise<number> {
    const last = await this.model
      .findOne({ conversationId: oid(conversationId) }, { seq: 1 })
      .sort({ seq: -1 })
      .lean();
    return last?.seq ?? 0;
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
        { seq: 1, parentId: 1, deletedAt: 1 },
      )
      .lean();
    for (const d of docs) {
      out.set(d._id.toHexString(), {
        seq: d.seq,
        parentId: d.parentId ? d.parentId.toHexString() : null,
        deleted: !!d.deletedAt,
      });
    }
    return out;
  }

  async addReplies(conversationId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    if (counts.size === 0) return;
    await this.model.collection.bulkWrite(
      [...counts].map(([id, n]) => ({
        updateOne: {
          filter: { _id: oid(id), conversationId: oid(conversationId) },
          update: { $inc: { replyCount: n } },
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
          reactions: message.reactions.map((r) => ({ emoji: r.emoji, userIds: r.userIds })),
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
