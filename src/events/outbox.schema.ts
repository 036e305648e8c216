import { InferSchemaType, Schema } from 'mongoose';

export const OUTBOX_MODEL = 'OutboxEvent';

/**
 * A prepared event (see change-log.ts). `_id` is the event id, so preparing twice is a no-op;
 * `ord` (an ObjectId made when prepared) orders events as their changes were made.
 * `publishedAt` stays null until Kafka acknowledged the event.
 */
export const OutboxSchema = new Schema(
  {
    _id: { type: String, required: true },
    ord: { type: Schema.Types.ObjectId, required: true },
    type: { type: String, required: true },
    topic: { type: String, required: true },
    conversationId: { type: String, required: true },
    time: { type: Date, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    /** A new message's recipients at send time, for its delivery job (never published). */
    recipients: { type: [String], default: undefined },
    publishedAt: { type: Date, default: null },
    attempts: { type: Number, default: 0 },
  },
  { versionKey: false, collection: 'outbox', minimize: false },
);

OutboxSchema.index({ publishedAt: 1, ord: 1 }, { name: 'pending_order' });

export type OutboxDoc = InferSchemaType<typeof OutboxSchema>;
