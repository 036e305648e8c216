import { InferSchemaType, Schema, Types } from 'mongoose';

export const MESSAGE_MODEL = 'Message';

const reactionSchema = new Schema(
  {
    // Normalized by reactions/emoji.ts (an RGI emoji or a `:shortcode:` of at most 64).
    emoji: { type: String, required: true, maxlength: 80 },
    userIds: { type: [String], default: [] },
  },
  { _id: false },
);

const attachmentRefSchema = new Schema(
  {
    id: { type: Schema.Types.ObjectId, required: true },
    fileName: { type: String, required: true },
    fileType: { type: String, required: true },
    fileSize: { type: Number, required: true },
    width: { type: Number },
    height: { type: Number },
  },
  { _id: false },
);

/**
 * One stored message. `seq` is assigned by the conversation's actor, gap-free from 1;
 * a deleted message stays as a tombstone (content and attachments gone, seq kept).
 */
export const MessageSchema = new Schema(
  {
    conversationId: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true, min: 1 },
    senderId: { type: String, required: true },
    // Always present: the sender's id for the send, or one the server made up when the
    // client gave none. FerretDB has no partial or sparse indexes, so the dedupe index below
    // is a plain unique index and every document must carry a distinct value.
    clientMessageId: { type: String, required: true },
    content: { type: String, default: null },
    attachments: { type: [attachmentRefSchema], default: [] },
    parentId: { type: Schema.Types.ObjectId, default: null },
    // A thread root's summary, written by the conversation's actor (threads/thread-state.ts).
    replyCount: { type: Number, default: 0 },
    lastReplyAt: { type: Date, default: null },
    replyUserIds: { type: [String], default: [] },
    reactions: { type: [reactionSchema], default: [] },
    editedAt: { type: Date, default: null },
    deletedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false, collection: 'messages' },
);

// The last word on ordering: two owners in a split moment cannot both store a seq.
MessageSchema.index({ conversationId: 1, seq: 1 }, { unique: true, name: 'conversation_seq' });
// Idempotent sends per sender.
MessageSchema.index(
  { conversationId: 1, senderId: 1, clientMessageId: 1 },
  { unique: true, name: 'conversation_sender_client_id' },
);
// Thread pages: replies of one parent in seq order.
MessageSchema.index({ conversationId: 1, parentId: 1, seq: 1 }, { name: 'conversation_thread' });
// The threads list: roots by their newest reply.
MessageSchema.index(
  { conversationId: 1, lastReplyAt: -1, _id: -1 },
  { name: 'conversation_threads' },
);

export type MessageDoc = InferSchemaType<typeof MessageSchema> & { _id: Types.ObjectId };
