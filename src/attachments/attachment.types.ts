import type { AttachmentRef } from '../messages/message.types';

export type AttachmentStatus = 'pending' | 'uploaded' | 'attached' | 'deleted';

/** An attachment as the REST answers show it (metadata only: never a storage key or URL). */
export interface Attachment {
  id: string;
  conversationId: string;
  uploaderId: string;
  messageId: string | null;
  fileName: string;
  fileType: string;
  fileSize: number;
  status: AttachmentStatus;
  width: number | null;
  height: number | null;
  createdAt: Date;
}

/** The stored row: the view plus where its bytes are and which send claimed it. */
export interface AttachmentRecord extends Attachment {
  storageKey: string;
  objectKey: string | null;
  thumbnailKey: string | null;
  claimKey: string | null;
  claimedAt: Date | null;
  uploadExpiresAt: Date;
}

export function toAttachment(r: AttachmentRecord): Attachment {
  return {
    id: r.id,
    conversationId: r.conversationId,
    uploaderId: r.uploaderId,
    messageId: r.messageId,
    fileName: r.fileName,
    fileType: r.fileType,
    fileSize: r.fileSize,
    status: r.status,
    width: r.width,
    height: r.height,
    createdAt: r.createdAt,
  };
}

/** What a message carries of an attachment (CONTRACT.md: metadata, never a URL). */
export function toRef(r: AttachmentRecord): AttachmentRef {
  return {
    id: r.id,
    fileName: r.fileName,
    fileType: r.fileType,
    fileSize: r.fileSize,
    ...(r.width !== null && r.height !== null ? { width: r.width, height: r.height } : {}),
  };
}
