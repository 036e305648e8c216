import type { Model } from 'mongoose';
import { Types } from 'mongoose';
import type { Logger } from 'pino';
import type { MessageDoc } from '../messages/message.schema';
import { CLAIM_LOCK_MS } from './attachment-claims';
import type { AttachmentQueue, AttachmentJob } from './attachment-queue';
import type { AttachmentRepository } from './attachment.repository';
import type { AttachmentStorage } from './attachment-storage';
import type { AttachmentRecord } from './attachment.types';
import { isImage } from './attachment-rules';
import { imageSize, thumbnail } from './image-tools';

const BATCH = 500;
/** The upload key is removed a little after its form expired (clocks differ). */
const UPLOAD_KEY_GRACE_MS = 60_000;

const keysOf = (r: AttachmentRecord) =>
  [r.storageKey, r.objectKey, r.thumbnailKey].filter((k): k is string => !!k);

export interface AttachmentProcessorDeps {
  attachments: AttachmentRepository;
  storage: AttachmentStorage;
  messages: Model<MessageDoc>;
  queue: Pick<AttachmentQueue, 'add'>;
  pendingTtlMs: number;
  logger: Logger;
}

/**
 * What each attachment job does. Every effect is idempotent (BullMQ runs a stalled job again):
 * objects are deleted before their rows change, so a job that dies midway finds the rows
 * again and deletes what is left.
 */
export class AttachmentProcessor {
  constructor(private readonly deps: AttachmentProcessorDeps) {}

  process(job: AttachmentJob, now = new Date()): Promise<unknown> {
    switch (job.kind) {
      case 'attached':
        return this.attached(job.messageId, job.attachmentIds, now);
      case 'message-deleted':
        return this.messageDeleted(job.messageId);
      case 'conversation-deleted':
        return this.conversationDeleted(job.conversationId);
      case 'upload-expired':
        return this.uploadExpired(job.attachmentId);
      case 'sweep':
        return this.sweep(now);
    }
  }

  /**
   * The message is stored: its attachments are attached (whatever the sending node did),
   * images get a thumbnail beside the original, and each upload key is removed once its
   * form expired.
   */
  async attached(messageId: string, ids: readonly string[], now: Date): Promise<void> {
    const { attachments, queue } = this.deps;
    await attachments.markAttached(ids, messageId);
    for (const r of await attachments.findMany(ids)) {
      if (r.status === 'attached' && isImage(r.fileType) && r.objectKey && !r.thumbnailKey)
        await this.makeThumbnail(r, r.objectKey);
      const delay = Math.max(0, r.uploadExpiresAt.getTime() + UPLOAD_KEY_GRACE_MS - now.getTime());
      await queue.add({ kind: 'upload-expired', attachmentId: r.id }, { delay });
    }
  }

  private async makeThumbnail(r: AttachmentRecord, objectKey: string): Promise<void> {
    const { storage, attachments, logger } = this.deps;
    const original = await storage.read(objectKey);
    let thumb: Awaited<ReturnType<typeof thumbnail>>;
    try {
      thumb = await thumbnail(original);
    } catch (err) {
      // Not decodable after all (the header was fine): the file stays, without a thumbnail.
      logger.warn({ err, attachmentId: r.id }, 'no thumbnail for an image');
      return;
    }
    const size =
      r.width && r.height ? { width: r.width, height: r.height } : await imageSize(original);
    const thumbnailKey = `${r.storageKey}.thumb.webp`;
    await storage.put(thumbnailKey, thumb.data, 'image/webp');
    await attachments.setImage(r.id, {
      width: size?.width ?? thumb.width,
      height: size?.height ?? thumb.height,
      thumbnailKey,
    });
  }

  /** The upload form expired: the upload key of an attachment that left `pending` goes. */
  async uploadExpired(attachmentId: string): Promise<void> {
    const r = await this.deps.attachments.findById(attachmentId);
    if (!r || r.status === 'pending' || !r.objectKey) return;
    await this.deps.storage.delete([r.storageKey]);
  }

  async messageDeleted(messageId: string): Promise<number> {
    const rows = await this.deps.attachments.findByMessage(messageId);
    return this.purge(rows);
  }

  async conversationDeleted(conversationId: string): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.deps.attachments.findLiveInConversation(conversationId, BATCH);
      total += await this.purge(rows);
      if (rows.length < BATCH) return total;
    }
  }

  /**
   * Pending uploads older than ATTACHMENT_PENDING_TTL go (objects and rows). Claims older than
   * any send (their node died between claim and settle) are repaired from the messages: a
   * stored message that carries the attachment keeps it, otherwise it is pending again.
   */
  async sweep(now: Date): Promise<{ expired: number; repaired: number }> {
    const { attachments, storage, pendingTtlMs } = this.deps;
    let expired = 0;
    for (;;) {
      const rows = await attachments.findPendingCreatedBefore(
        new Date(now.getTime() - pendingTtlMs),
        BATCH,
      );
      await storage.delete(rows.flatMap(keysOf));
      await attachments.remove(rows.map((r) => r.id));
      expired += rows.length;
      if (rows.length < BATCH) break;
    }
    const stale = await attachments.findClaimedBefore(
      new Date(now.getTime() - CLAIM_LOCK_MS),
      BATCH,
    );
    for (const r of stale) {
      const carrier = await this.deps.messages
        .findOne(
          {
            conversationId: new Types.ObjectId(r.conversationId),
            'attachments.id': new Types.ObjectId(r.id),
          },
          { _id: 1 },
        )
        .lean();
      if (carrier) await attachments.markAttached([r.id], carrier._id.toHexString());
      else await attachments.release([r.id], r.claimKey ?? '');
    }
    if (expired || stale.length)
      this.deps.logger.info({ expired, repaired: stale.length }, 'attachments swept');
    return { expired, repaired: stale.length };
  }

  private async purge(rows: AttachmentRecord[]): Promise<number> {
    if (rows.length === 0) return 0;
    await this.deps.storage.delete(rows.flatMap(keysOf));
    await this.deps.attachments.markDeleted(rows.map((r) => r.id));
    return rows.length;
  }
}
