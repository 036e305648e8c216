import { Inject, Injectable } from '@nestjs/common';
import { Model, Types } from 'mongoose';
import type { AttachmentRepository, ClaimFields, NewAttachment } from './attachment.repository';
import { ATTACHMENT_MODEL, AttachmentDoc } from './attachment.schema';
import type { AttachmentRecord, AttachmentStatus } from './attachment.types';

const oid = (id: string) => new Types.ObjectId(id);

type Row = AttachmentDoc & { createdAt: Date };

function toRecord(d: Row): AttachmentRecord {
  return {
    id: d._id.toHexString(),
    conversationId: d.conversationId.toHexString(),
    uploaderId: d.uploaderId,
    messageId: d.messageId ? d.messageId.toHexString() : null,
    fileName: d.fileName,
    fileType: d.fileType,
    fileSize: d.fileSize,
    status: (d.status ?? 'pending') as AttachmentStatus,
    width: d.width ?? null,
    height: d.height ?? null,
    createdAt: d.createdAt,
    storageKey: d.storageKey,
    objectKey: d.objectKey ?? null,
    thumbnailKey: d.thumbnailKey ?? null,
    claimKey: d.claimKey ?? null,
    claimedAt: d.claimedAt ?? null,
    uploadExpiresAt: d.uploadExpiresAt,
  };
}

@Injectable()
export class AttachmentMongoRepository implements AttachmentRepository {
  constructor(@Inject(ATTACHMENT_MODEL) private readonly model: Model<AttachmentDoc>) {}

  async create(a: NewAttachment): Promise<AttachmentRecord> {
    const doc = await this.model.create({
      ...a,
      conversationId: oid(a.conversationId),
      status: 'pending',
    });
    return toRecord(doc.toObject() as Row);
  }

  async findById(id: string): Promise<AttachmentRecord | null> {
    const d = await this.model.findById(oid(id)).lean();
    return d ? toRecord(d as Row) : null;
  }

  async findMany(ids: readonly string[]): Promise<AttachmentRecord[]> {
    if (ids.length === 0) return [];
    const docs = await this.model.find({ _id: { $in: ids.map(oid) } }).lean();
    return docs.map((d) => toRecord(d as Row));
  }

  async markClaimed(id: string, claim: ClaimFields): Promise<void> {
    await this.model.updateOne({ _id: oid(id) }, { $set: { status: 'uploaded', ...claim } });
  }

  async markAttached(ids: readonly string[], messageId: string): Promise<void> {
    if (ids.length === 0) return;
    await this.model.updateMany(
      { _id: { $in: ids.map(oid) }, status: { $in: ['uploaded', 'attached'] } },
      { $set: { status: 'attached', messageId: oid(messageId) } },
    );
  }

  async release(ids: readonly string[], claimKey: string): Promise<void> {
    if (ids.length === 0) return;
    await this.model.updateMany(
      { _id: { $in: ids.map(oid) }, status: 'uploaded', claimKey },
      { $set: { status: 'pending', claimKey: null, claimedAt: null } },
    );
  }

  async findByMessage(messageId: string): Promise<AttachmentRecord[]> {
    const docs = await this.model
      .find({ messageId: oid(messageId), status: { $ne: 'deleted' } })
      .lean();
    return docs.map((d) => toRecord(d as Row));
  }

  async findLiveInConversation(conversationId: string, limit: number): Promise<AttachmentRecord[]> {
    const docs = await this.model
      .find({ conversationId: oid(conversationId), status: { $ne: 'deleted' } })
      .limit(limit)
      .lean();
    return docs.map((d) => toRecord(d as Row));
  }

  async findPendingCreatedBefore(before: Date, limit: number): Promise<AttachmentRecord[]> {
    const docs = await this.model
      .find({ status: 'pending', createdAt: { $lt: before } })
      .limit(limit)
      .lean();
    return docs.map((d) => toRecord(d as Row));
  }

  async findClaimedBefore(before: Date, limit: number): Promise<AttachmentRecord[]> {
    const docs = await this.model
      .find({ status: 'uploaded', claimedAt: { $lt: before } })
      .limit(limit)
      .lean();
    return docs.map((d) => toRecord(d as Row));
  }

  async markDeleted(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.model.updateMany({ _id: { $in: ids.map(oid) } }, { $set: { status: 'deleted' } });
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.model.deleteMany({ _id: { $in: ids.map(oid) } });
  }

  async setImage(
    id: string,
    image: { width: number; height: number; thumbnailKey: string },
  ): Promise<void> {
    await this.model.updateOne({ _id: oid(id) }, { $set: image });
  }
}
