import { InferSchemaType, Schema, Types } from 'mongoose';

export const ATTACHMENT_MODEL = 'Attachment';

/**
 * An upload slot and, once verified, a file. Lifecycle: `pending` (presigned URL handed out)
 * → `uploaded` (HeadObject confirmed size and type) → `attached` (bound to a message)
 * → `deleted`. Stale pending rows are swept by a job: FerretDB has no TTL indexes.
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

export type AttachmentDoc = InferSchemaType<typeof AttachmentSchema> & { _id: Types.ObjectId };
