import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ChatError } from '../common/chat-error';
import { AppConfig } from '../config/app-config';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
} from '../conversations/conversation.repository';
import { LOGGER } from '../infra/tokens';
import { MESSAGE_REPOSITORY, MessageRepository } from '../messages/message.repository';
import type { AttachmentRef, Message } from '../messages/message.types';
import { AttachmentClaims } from './attachment-claims';
import { AttachmentStorage } from './attachment-storage';
import { ATTACHMENT_REPOSITORY, AttachmentRepository } from './attachment.repository';
import { Attachment, AttachmentRecord, toAttachment, toRef } from './attachment.types';
import {
  contentDisposition,
  fileNameProblem,
  isImage,
  matchesSignature,
  SNIFF_BYTES,
} from './attachment-rules';
import { IMAGE_HEADER_BYTES, imageSize } from './image-tools';

export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

export interface PresignInput {
  fileName: string;
  fileType: string;
  fileSize: number;
}

export interface PresignAnswer {
  attachment: Attachment;
  upload: { method: 'POST'; url: string; fields: Record<string, string>; expiresAt: Date };
}

export interface DownloadAnswer {
  attachment: Attachment;
  download: { url: string; expiresAt: Date; thumbnailUrl?: string };
}

/** The attachments a send carries, claimed for it until it is stored or refused. */
export interface AttachmentClaim {
  claimKey: string;
  refs: AttachmentRef[];
  /** Ids whose Redis lock this call took (released when the send ends). */
  locked: string[];
}

const invalid = (detail: string) => new ChatError('validation_failed', detail);

/**
 * Attachment use cases: presign an upload, verify and claim uploads for a send (before the
 * send reaches the conversation's actor, so the actor's ack path makes no S3 call), and
 * serve short-lived downloads to members.
 */
@Injectable()
export class AttachmentsService {
  constructor(
    private readonly config: AppConfig,
    private readonly storage: AttachmentStorage,
    private readonly claims: AttachmentClaims,
    @Inject(ATTACHMENT_REPOSITORY) private readonly attachments: AttachmentRepository,
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
    @Inject(MESSAGE_REPOSITORY) private readonly messages: MessageRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async presign(
    userId: string,
    conversationId: string,
    input: PresignInput,
  ): Promise<PresignAnswer> {
    await this.requireMember(userId, conversationId);
    const fileName = input.fileName.trim();
    const problem = fileNameProblem(fileName);
    if (problem) throw invalid(`fileName ${problem}`);
    const { maxBytes, types, uploadExpirySeconds } = this.config.attachments;
    if (!types.includes(input.fileType))
      throw invalid(`fileType ${input.fileType} is not accepted`);
    if (input.fileSize > maxBytes)
      throw new ChatError('payload_too_large', `fileSize is more than ${maxBytes} bytes`);

    const storageKey = `att/${conversationId}/${randomUUID()}`;
    const expiresAt = new Date(Date.now() + uploadExpirySeconds * 1000);
    const post = await this.s3(() =>
      this.storage.presignPost(storageKey, input.fileType, input.fileSize, uploadExpirySeconds),
    );
    const record = await this.attachments.create({
      conversationId,
      uploaderId: userId,
      fileName,
      fileType: input.fileType,
      fileSize: input.fileSize,
      storageKey,
      storageUrl: `s3://${this.config.s3.bucket}/${storageKey}`,
      uploadExpiresAt: expiresAt,
    });
    return {
      attachment: toAttachment(record),
      upload: { method: 'POST', url: post.url, fields: post.fields, expiresAt },
    };
  }

  /**
   * Verifies and claims the uploads a send names: each must be the sender's pending upload in
   * this conversation, present in S3 with the declared size and type, and start like its
   * type. Anything else refuses the whole send (validation_failed) and claims nothing. The
   * verified bytes are copied to a key no upload form can reach, so the upload key being
   * reused before its policy expires cannot change what the message carries.
   */
  async claimForSend(
    userId: string,
    conversationId: string,
    ids: readonly string[],
    clientMessageId?: string,
  ): Promise<AttachmentClaim> {
    if (ids.length > MAX_ATTACHMENTS_PER_MESSAGE)
      throw invalid(`at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments per message`);
    if (new Set(ids).size !== ids.length) throw invalid('attachmentIds repeat an id');
    // Without a clientMessageId no retry can be recognised: every send is its own claim.
    const claimKey = `${userId}/${clientMessageId ?? randomUUID()}`;
    const retry = (r: AttachmentRecord) =>
      !!clientMessageId && r.claimKey === claimKey && r.status !== 'deleted';
    const check = (rows: AttachmentRecord[]) => {
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const id of ids) {
        const r = byId.get(id);
        if (!r || r.uploaderId !== userId || r.conversationId !== conversationId)
          throw invalid(`attachment ${id} is not an upload of yours in this conversation`);
        if (r.status !== 'pending' && !retry(r))
          throw invalid(`attachment ${id} is not a pending upload`);
      }
      return ids.map((id) => byId.get(id)!);
    };
    // Checked before any lock is taken, so nobody can hold up another user's upload.
    check(await this.attachments.findMany(ids));

    const locked: string[] = [];
    const claimed: string[] = [];
    try {
      for (const id of [...ids].sort()) {
        const outcome = await this.claims.acquire(id, claimKey);
        if (outcome === 'taken')
          throw invalid(`attachment ${id} is being sent with another message`);
        if (outcome === 'acquired') locked.push(id);
      }
      // Read again under the locks: another send may have attached them meanwhile.
      const rows = check(await this.attachments.findMany(ids));
      // Settled, not raced: a refusal must not leave a sibling's claim being written.
      const outcomes = await Promise.allSettled(
        rows.map(async (r) => {
          if (r.status !== 'pending') return toRef(r); // a retry of the send that claimed it
          const { objectKey, image } = await this.verify(r);
          claimed.push(r.id);
          await this.attachments.markClaimed(r.id, {
            claimKey,
            objectKey,
            claimedAt: new Date(),
            ...image,
          });
          return toRef({ ...r, ...image });
        }),
      );
      const failed = outcomes.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
      const refs = outcomes.map((o) => (o as PromiseFulfilledResult<AttachmentRef>).value);
      return { claimKey, refs, locked };
    } catch (err) {
      await this.attachments.release(claimed, claimKey).catch(() => undefined);
      await this.unlock(locked, claimKey);
      throw err;
    }
  }

  /**
   * The send ended. Stored: what the message carries is attached to it (a retried send that
   * the actor answered with an earlier message releases what that message does not carry).
   * Refused (`message` undefined): every claim goes back to pending. A node that dies before
   * this leaves claims that the sweep job repairs from the stored messages.
   */
  async settle(claim: AttachmentClaim, message?: Message): Promise<void> {
    const carried = new Set(message?.attachments.map((a) => a.id) ?? []);
    const ids = claim.refs.map((r) => r.id);
    try {
      if (message)
        await this.attachments.markAttached(
          [...carried].filter((id) => ids.includes(id)),
          message.id,
        );
      await this.attachments.release(
        ids.filter((id) => !carried.has(id)),
        claim.claimKey,
      );
    } catch (err) {
      this.logger.warn(
        { err, claimKey: claim.claimKey },
        'attachment claims not settled (the sweep repairs them)',
      );
    }
    await this.unlock(claim.locked, claim.claimKey);
  }

  async download(
    userId: string,
    conversationId: string,
    attachmentId: string,
  ): Promise<DownloadAnswer> {
    await this.requireMember(userId, conversationId);
    const r = await this.attachments.findById(attachmentId);
    const notFound = new ChatError('not_found', 'attachment not found');
    if (!r || r.conversationId !== conversationId || r.status === 'deleted') throw notFound;
    if (r.status !== 'attached' && r.uploaderId !== userId) throw notFound;
    if (r.status === 'attached' && r.messageId) {
      const message = await this.messages.findById(conversationId, r.messageId);
      if (!message || message.deletedAt) throw notFound;
    }
    const expiresSeconds = this.config.attachments.downloadExpirySeconds;
    const expiresAt = new Date(Date.now() + expiresSeconds * 1000);
    const key = r.objectKey ?? r.storageKey;
    const disposition = contentDisposition(r.fileType, r.fileName);
    const [url, thumbnailUrl] = await this.s3(() =>
      Promise.all([
        this.storage.presignGet(key, { contentType: r.fileType, disposition, expiresSeconds }),
        r.thumbnailKey
          ? this.storage.presignGet(r.thumbnailKey, {
              contentType: 'image/webp',
              disposition: 'inline',
              expiresSeconds,
            })
          : undefined,
      ]),
    );
    return {
      attachment: toAttachment(r),
      download: { url, expiresAt, ...(thumbnailUrl ? { thumbnailUrl } : {}) },
    };
  }

  /** Checks the uploaded object of `r` and copies it out of the upload form's reach. */
  private async verify(
    r: AttachmentRecord,
  ): Promise<{ objectKey: string; image?: { width: number; height: number } }> {
    // An image's header (a JPEG's can sit behind its EXIF block) gives its dimensions, so the
    // message carries them from the start. HeadObject and the first bytes at once; the copy
    // below is conditional on the ETag both saw.
    const sample = isImage(r.fileType) ? IMAGE_HEADER_BYTES : SNIFF_BYTES;
    const [head, start] = await this.s3(() =>
      Promise.all([
        this.storage.head(r.storageKey),
        this.storage.firstBytes(r.storageKey, Math.min(sample, r.fileSize)),
      ]),
    );
    if (!head || !start) throw invalid(`attachment ${r.id} was never uploaded`);
    if (head.size !== r.fileSize || head.contentType !== r.fileType)
      throw invalid(`attachment ${r.id} does not match its declared size and type`);
    if (start.etag !== head.etag) throw invalid('the upload changed while it was checked');
    const first = start.bytes;
    if (!matchesSignature(r.fileType, first))
      throw invalid(`attachment ${r.id} is not a ${r.fileType} file`);
    const image = isImage(r.fileType) ? await imageSize(first) : undefined;
    const objectKey = `${r.storageKey}.file`;
    await this.s3(() => this.storage.copyVerified(r.storageKey, objectKey, head.etag));
    return { objectKey, image };
  }

  private async unlock(ids: readonly string[], claimKey: string): Promise<void> {
    await Promise.all(ids.map((id) => this.claims.release(id, claimKey))).catch((err: unknown) =>
      this.logger.warn({ err }, 'attachment locks not released (they expire)'),
    );
  }

  private async requireMember(userId: string, conversationId: string): Promise<void> {
    if (!(await this.conversations.memberOf(userId, [conversationId])).has(conversationId))
      throw new ChatError('not_found', 'conversation not found');
  }

  /** S3 outages answer `unavailable` (the client may retry), not an internal error. */
  private async s3<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ChatError) throw err;
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // 412: the object changed between the checks (another upload through the same form).
      if (status === 412) throw invalid('the upload changed while it was checked');
      this.logger.warn({ err }, 'S3 call failed');
      throw new ChatError('unavailable', 'file storage unavailable; retry');
    }
  }
}
