import { Inject, Injectable } from '@nestjs/common';
import { Model, mongo, Types } from 'mongoose';
import type { ChangeLog } from './change-log';
import type { ChatEvent } from './chat-events';
import { OUTBOX_MODEL, OutboxDoc } from './outbox.schema';

/** ChangeLog on the `outbox` collection: one unordered insert per change (or batch of sends). */
@Injectable()
export class OutboxChangeLog implements ChangeLog {
  constructor(@Inject(OUTBOX_MODEL) private readonly outbox: Model<OutboxDoc>) {}

  async prepare(events: readonly ChatEvent[]): Promise<void> {
    if (events.length === 0) return;
    const docs = events.map((e) => ({
      _id: e.id,
      ord: new Types.ObjectId(), // increasing within this process, in the order given
      type: e.type,
      topic: e.topic,
      conversationId: e.conversationId,
      time: e.time,
      // Stored as JSON text's equivalent: dates become ISO strings, as on the wire.
      data: JSON.parse(JSON.stringify(e.data)) as Record<string, unknown>,
      ...(e.recipients ? { recipients: [...e.recipients] } : {}),
      publishedAt: null,
      attempts: 0,
    }));
    try {
      await this.outbox.collection.insertMany(docs as never[], { ordered: false });
    } catch (err) {
      // Already prepared (a retried change): the event is there, which is all we need.
      const writeErrors = (err as mongo.MongoBulkWriteError).writeErrors;
      const errors = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
      if (!(err instanceof mongo.MongoBulkWriteError) || errors.some((e) => e.code !== 11000))
        throw err;
    }
  }
}
