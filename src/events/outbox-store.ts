import type { Model } from 'mongoose';
import type { ChatEvent } from './chat-events';
import type { OutboxDoc } from './outbox.schema';
import type { OutboxRow } from './relay-plan';

/**
 * The relay's side of the outbox collection.
 *
 * Published rows are deleted, not kept with a `publishedAt`: Kafka is the durable log of what
 * was published, and FerretDB's SQLite backend scans the whole collection for any filter other
 * than `_id` (the pending query, the delete by `_id $in`), so the relay's cost per round is the
 * size of the pending set. Every row in the collection is therefore pending; the query still
 * says `publishedAt: null` so that MongoDB serves it from the `pending_order` index.
 */
export class OutboxStore {
  constructor(private readonly model: Model<OutboxDoc>) {}

  /** The oldest pending events by `ord`, leaving out the conversations in `skip`. */
  async pending(limit: number, skip: readonly string[]): Promise<OutboxRow[]> {
    const filter = {
      publishedAt: null,
      ...(skip.length ? { conversationId: { $nin: [...skip] } } : {}),
    };
    const docs = await this.model.collection.find(filter).sort({ ord: 1 }).limit(limit).toArray();
    return docs.map((d) => ({
      id: String(d._id),
      ord: String(d.ord),
      type: d.type as ChatEvent['type'],
      topic: d.topic as ChatEvent['topic'],
      conversationId: String(d.conversationId),
      time: d.time instanceof Date ? d.time : new Date(String(d.time)),
      data: (d.data ?? {}) as Record<string, unknown>,
      ...(Array.isArray(d.recipients) ? { recipients: d.recipients.map(String) } : {}),
    }));
  }

  /** Forgets published (or dropped) events: one delete by `_id`. Idempotent. */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.model.collection.deleteMany({ _id: { $in: [...ids] } } as never);
  }

  count(): Promise<number> {
    return this.model.collection.countDocuments({});
  }
}
