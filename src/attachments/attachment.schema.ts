import { InferSchemaType, Schema, Types } from 'mongoose';

export const ATTACHMENT_MODEL = 'Attachment';

/**
 * An upload slot and, once verified, a file. Lifecycle: `pending` (presigned POST handed out)
 * → `uploaded` (a send verified the object and claimed it; `claimKey` says which send)
 * → `attached` (the message is stored; `messageId` set) → `deleted`. A send that fails puts
 * its claims back to `pending`; a claim left by a node that died is repaired by the sweep
 * job, which also deletes stale pending rows (FerretDB has no TTL indexes).
 */
export const AttachmentSchema = new Schema(
  {
    conversationId: { type: Schema.Types.ObjectId, required: true },
    uploaderId: { type: String, required: true },
    fileName: { type: String, required: true, maxlength: 255 },
    fileType: { type: String, required: true, maxlength: 255 },
    fileSize: { type: Number, required: true, min: 1 },
    // Made by the server: att/<conversationId>/<uuid>. Never derived from the file name.
    storageKey: { type: String, required: true },
    // s3://<bucket>/<storageKey>, the seed's field: where the upload lands.
    storageUrl: { type: String, required: true },
    // The verified copy a message serves (`<storageKey>.file`): the upload key stays
    // writable until its policy expires, so what was checked is copied out of its reach.
    objectKey: { type: String, default: null },
    thumbnailKey: { type: String, default: null },
    width: { type: Number, default: null },
    height: { type: Number, default: null },
    claimKey: { type: String, default: null },
    claimedAt: { type: Date, default: null },
    status: {
      type: String,
      enum: ['pending', 'uploaded', 'attached', 'deleted'],
      default: 'pending',
    },
    messageId: { type: Schema.Types.ObjectId, default: null },
    uploadExpiresAt: { type: Date, required: true },
  },
  { timestamps: true, versionKey: false, collection: 'attachments' },
);

AttachmentSchema.index({ storageKey: 1 }, { unique: true, name: 'storage_key' });
AttachmentSchema.index({ conversationId: 1, createdAt: -1 }, { name: 'conversation_created' });
AttachmentSchema.index({ status: 1, uploadExpiresAt: 1 }, { name: 'status_expiry' });
// A deleted message's files (the message-deleted job).
AttachmentSchema.index({ messageId: 1 }, { name: 'message' });

export type AttachmentDoc = InferSchemaType<typeof AttachmentSchema> & { _id: Types.ObjectId };
