import type { AttachmentRecord } from './attachment.types';

export interface ClaimFields {
  claimKey: string;
  objectKey: string;
  claimedAt: Date;
  /** An image's dimensions, read from its header while it was verified. */
  width?: number;
  height?: number;
}

export const ATTACHMENT_REPOSITORY = Symbol('ATTACHMENT_REPOSITORY');

export interface NewAttachment {
  conversationId: string;
  uploaderId: string;
  fileName: string;
  fileType: string;
  fileSize: number;
  storageKey: string;
  storageUrl: string;
  uploadExpiresAt: Date;
}

/**
 * The attachments collection. Status changes are plain updates: FerretDB applies an update
 * by read-modify-write, so a conditional update is not a lock. Two sends racing for one
 * pending upload are serialised by AttachmentClaims (Redis) before either writes here.
 */
export interface AttachmentRepository {
  create(a: NewAttachment): Promise<AttachmentRecord>;
  findById(id: string): Promise<AttachmentRecord | null>;
  findMany(ids: readonly string[]): Promise<AttachmentRecord[]>;
  /** pending → uploaded, with the verified copy and the send that claimed it. */
  markClaimed(id: string, claim: ClaimFields): Promise<void>;
  /** → attached to `messageId` (idempotent; a deleted attachment stays deleted). */
  markAttached(ids: readonly string[], messageId: string): Promise<void>;
  /** uploaded → pending again, for the ids this claim still holds. */
  release(ids: readonly string[], claimKey: string): Promise<void>;

  // For the lifecycle jobs (attachment-processor.ts); each answers at most `limit` rows.
  findByMessage(messageId: string): Promise<AttachmentRecord[]>;
  findLiveInConversation(conversationId: string, limit: number): Promise<AttachmentRecord[]>;
  findPendingCreatedBefore(before: Date, limit: number): Promise<AttachmentRecord[]>;
  findClaimedBefore(before: Date, limit: number): Promise<AttachmentRecord[]>;
  markDeleted(ids: readonly string[]): Promise<void>;
  remove(ids: readonly string[]): Promise<void>;
  setImage(
    id: string,
    image: { width: number; height: number; thumbnailKey: string },
  ): Promise<void>;
}
