import pino from 'pino';
import { ChatError } from '../common/chat-error';
import { loadConfig } from '../config/load-config';
import type { ConversationRepository } from '../conversations/conversation.repository';
import type { MessageRepository } from '../messages/message.repository';
import type { AttachmentClaims, ClaimOutcome } from './attachment-claims';
import type { AttachmentStorage, StoredObject } from './attachment-storage';
import type { AttachmentRepository, ClaimFields, NewAttachment } from './attachment.repository';
import type { AttachmentRecord } from './attachment.types';
import { AttachmentsService } from './attachments.service';

const CONV = 'c'.repeat(24);
const ALICE = '6f1c2a4e-8d7b-4c3e-9a10-2b3c4d5e6f70';
const PDF = new Uint8Array(Buffer.from('%PDF-1.7\n'));

/** The attachments port in memory. */
class MemoryAttachments implements Partial<AttachmentRepository> {
  rows = new Map<string, AttachmentRecord>();
  private n = 0;
  create = async (a: NewAttachment) => {
    const id = (++this.n).toString(16).padStart(24, '0');
    const r: AttachmentRecord = {
      ...a,
      id,
      messageId: null,
      status: 'pending',
      width: null,
      height: null,
      createdAt: new Date(),
      objectKey: null,
      thumbnailKey: null,
      claimKey: null,
      claimedAt: null,
    };
    this.rows.set(id, r);
    return r;
  };
  findMany = async (ids: readonly string[]) =>
    ids.flatMap((id) => (this.rows.has(id) ? [{ ...this.rows.get(id)! }] : []));
  markClaimed = async (id: string, c: ClaimFields) => {
    this.rows.set(id, { ...this.rows.get(id)!, status: 'uploaded', ...c });
  };
  markAttached = async (ids: readonly string[], messageId: string) => {
    for (const id of ids)
      this.rows.set(id, { ...this.rows.get(id)!, status: 'attached', messageId });
  };
  release = async (ids: readonly string[], claimKey: string) => {
    for (const id of ids) {
      const r = this.rows.get(id)!;
      if (r.status === 'uploaded' && r.claimKey === claimKey)
        this.rows.set(id, { ...r, status: 'pending', claimKey: null });
    }
  };
}

/** The bucket in memory: what was "uploaded" under each key. */
class MemoryStorage implements Partial<AttachmentStorage> {
  objects = new Map<string, { body: Uint8Array; type: string }>();
  presignPost = async (key: string) => ({ url: 'http://s3/bucket', fields: { key } });
  head = async (key: string): Promise<StoredObject | null> => {
    const o = this.objects.get(key);
    return o ? { size: o.body.length, contentType: o.type, etag: '"e"' } : null;
  };
  firstBytes = async (key: string, n: number) => {
    const o = this.objects.get(key);
    return o ? { bytes: o.body.subarray(0, n), etag: '"e"' } : null;
  };
  copyVerified = async (from: string, to: string) => {
    this.objects.set(to, this.objects.get(from)!);
  };
}

class MemoryClaims implements Partial<AttachmentClaims> {
  held = new Map<string, string>();
  acquire = async (id: string, claimKey: string): Promise<ClaimOutcome> => {
    const holder = this.held.get(id);
    if (!holder) return this.held.set(id, claimKey) && 'acquired';
    return holder === claimKey ? 'ours' : 'taken';
  };
  release = async (id: string, claimKey: string) => {
    if (this.held.get(id) === claimKey) this.held.delete(id);
  };
}

function setup() {
  const config = loadConfig({
    MONGO_URL: 'mongodb://127.0.0.1:9/x',
    REDIS_URL: 'redis://127.0.0.1:9',
    KAFKA_BROKERS: '127.0.0.1:9',
    S3_BUCKET: 'parley',
    AUTH_JWT_SECRET: 'x'.repeat(32),
  });
  const attachments = new MemoryAttachments();
  const storage = new MemoryStorage();
  const claims = new MemoryClaims();
  const conversations = {
    memberOf: async () => new Set([CONV]),
  } as unknown as ConversationRepository;
  const service = new AttachmentsService(
    config,
    storage as unknown as AttachmentStorage,
    claims as unknown as AttachmentClaims,
    attachments as unknown as AttachmentRepository,
    conversations,
    {} as MessageRepository,
    pino({ level: 'silent' }),
  );
  /** A presigned and uploaded file. */
  const upload = async (body: Uint8Array, fileType = 'application/pdf') => {
    const { attachment, upload } = await service.presign(ALICE, CONV, {
      fileName: 'a.pdf',
      fileType,
      fileSize: body.length,
    });
    storage.objects.set(upload.fields.key, { body, type: fileType });
    return attachment.id;
  };
  return { service, attachments, storage, claims, upload };
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof ChatError ? e.code : String(e)),
  );

describe('AttachmentsService.claimForSend', () => {
  it('claims verified uploads and copies them out of the upload form’s reach', async () => {
    const { service, attachments, storage, upload } = setup();
    const id = await upload(PDF);
    const claim = await service.claimForSend(ALICE, CONV, [id], 'm-1');
    expect(claim.refs).toEqual([
      { id, fileName: 'a.pdf', fileType: 'application/pdf', fileSize: PDF.length },
    ]);
    const row = attachments.rows.get(id)!;
    expect(row.status).toBe('uploaded');
    expect(storage.objects.get(row.objectKey!)?.body).toEqual(PDF);
  });

  it('one bad id refuses the whole send and leaves every other upload pending and unlocked', async () => {
    const { service, attachments, claims, upload } = setup();
    const good = await upload(PDF);
    const html = await upload(new Uint8Array(Buffer.from('<html>')), 'image/png');
    expect(await code(service.claimForSend(ALICE, CONV, [good, html], 'm-1'))).toBe(
      'validation_failed',
    );
    expect(attachments.rows.get(good)!.status).toBe('pending');
    expect(claims.held.size).toBe(0);
    // The good one is still free for the next send.
    expect((await service.claimForSend(ALICE, CONV, [good], 'm-2')).refs).toHaveLength(1);
  });

  it('of two sends naming one upload, the second is refused while the first holds it', async () => {
    const { service, upload } = setup();
    const id = await upload(PDF);
    const first = await service.claimForSend(ALICE, CONV, [id], 'm-1');
    expect(await code(service.claimForSend(ALICE, CONV, [id], 'm-2'))).toBe('validation_failed');
    await service.settle(first, { id: 'd'.repeat(24), attachments: first.refs } as never);
    expect(await code(service.claimForSend(ALICE, CONV, [id], 'm-3'))).toBe('validation_failed');
  });

  it('a retry of the same send (same clientMessageId) is let through', async () => {
    const { service, upload } = setup();
    const id = await upload(PDF);
    const first = await service.claimForSend(ALICE, CONV, [id], 'm-1');
    await service.settle(first, { id: 'd'.repeat(24), attachments: first.refs } as never);
    expect((await service.claimForSend(ALICE, CONV, [id], 'm-1')).refs).toEqual(first.refs);
  });

  it('a refused send puts its uploads back to pending', async () => {
    const { service, attachments, upload } = setup();
    const id = await upload(PDF);
    await service.settle(await service.claimForSend(ALICE, CONV, [id], 'm-1'));
    expect(attachments.rows.get(id)!.status).toBe('pending');
  });

  it('refuses another user’s upload, a missing object and a size that differs', async () => {
    const { service, storage, attachments, upload } = setup();
    const id = await upload(PDF);
    expect(
      await code(service.claimForSend('0b8e3f4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', CONV, [id])),
    ).toBe('validation_failed');
    const key = attachments.rows.get(id)!.storageKey;
    storage.objects.set(key, { body: new Uint8Array([...PDF, 0x20]), type: 'application/pdf' });
    expect(await code(service.claimForSend(ALICE, CONV, [id]))).toBe('validation_failed');
    storage.objects.delete(key);
    expect(await code(service.claimForSend(ALICE, CONV, [id]))).toBe('validation_failed');
  });
});
