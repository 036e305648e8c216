import { IndexOptions, InferSchemaType, Schema, Types } from 'mongoose';

export const CONVERSATION_MODEL = 'Conversation';
export const MEMBER_MODEL = 'Member';

const lastMessageSchema = new Schema(
  {
    id: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true },
    senderId: { type: String, required: true },
    preview: { type: String, default: null },
    createdAt: { type: Date, required: true },
  },
  { _id: false },
);

/** See `Deletions` in conversation.types.ts. */
const deletionsSchema = new Schema(
  { seqs: { type: [Number], default: [] }, from: { type: Number, required: true } },
  { _id: false },
);

/**
 * A private or group conversation. `participants` is the current member list (user UUIDs);
 * `lastSeq` is the highest stored message seq, advanced by the owning actor only.
 */
export const ConversationSchema = new Schema(
  {
    type: { type: String, enum: ['private', 'group'], required: true },
    name: { type: String, default: null, maxlength: 100 },
    participants: { type: [String], required: true },
    admins: { type: [String], default: [] },
    createdBy: { type: String, required: true },
    // Unique per conversation: `private:<lowerUserId>:<higherUserId>` so a pair has at most
    // one private conversation, `group:<uuid>` for groups. Always present because FerretDB
    // has no partial indexes (see message.schema.ts).
    key: { type: String, required: true },
    lastSeq: { type: Number, default: 0, min: 0 },
    lastMessageAt: { type: Date, default: null },
    lastMessage: { type: lastMessageSchema, default: null },
    // Absent on conversations stored before it existed: their unread counts are counted.
    deletions: { type: deletionsSchema, default: undefined },
    deletedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false, collection: 'conversations' },
);

ConversationSchema.index({ key: 1 }, { unique: true, name: 'key' });
// "My conversations, newest activity first".
ConversationSchema.index({ participants: 1, lastMessageAt: -1 }, {
  name: 'participant_activity',
  notOnFerretDb: true, // see ParleyIndexOptions: FerretDB would refuse big groups
} as IndexOptions);

/**
 * One row per (conversation, member): the member's cursors. Kept apart from the conversation
 * so a read receipt in a 1,000-member group rewrites a small document, not the whole group.
 * Cursors only move forward ($max) and never past the conversation's lastSeq.
 */
export const MemberSchema = new Schema(
  {
    _id: { type: String, required: true }, // `<conversationId>:<userId>`
    conversationId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: String, required: true },
    readSeq: { type: Number, default: 0, min: 0 },
    deliveredSeq: { type: Number, default: 0, min: 0 },
    joinedAt: { type: Date, required: true },
  },
  { timestamps: true, versionKey: false, collection: 'members' },
);

MemberSchema.index({ conversationId: 1, userId: 1 }, { unique: true, name: 'conversation_user' });
MemberSchema.index({ userId: 1, conversationId: 1 }, { name: 'user_conversation' });

export type ConversationDoc = InferSchemaType<typeof ConversationSchema> & { _id: Types.ObjectId };
export type MemberDoc = InferSchemaType<typeof MemberSchema>;
