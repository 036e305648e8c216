import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import sharp from 'sharp';
import { AttachmentProcessor } from '../../src/attachments/attachment-processor';
import { AttachmentStorage } from '../../src/attachments/attachment-storage';
import { AttachmentsService } from '../../src/attachments/attachments.service';
import { ConversationRouter } from '../../src/actors/conversation-router';
import {
  ATTACHMENT_REPOSITORY,
  AttachmentRepository,
} from '../../src/attachments/attachment.repository';
import { startTestApp } from '../support/app';
import { expectEventually } from '../support/eventually';
import { ApiUser } from '../support/http';
import { ChatClient, connectReady, emitWithAck, waitForEvent } from '../support/socket';

interface Upload {
  method: 'POST';
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
}

/** The browser's part: a multipart form with every field, then the file as `file`. */
async function postForm(
  upload: Pick<Upload, 'url' | 'fields'>,
  body: Uint8Array,
  extra: Record<string, string> = {},
  fields: Record<string, string> = upload.fields,
): Promise<{ status: number; text: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries({ ...fields, ...extra })) form.append(k, v);
  form.append('file', new Blob([Buffer.from(body)]), 'upload.bin');
  const res = await fetch(upload.url, { method: 'POST', body: form });
  return { status: res.status, text: await res.text() };
}

const pdf = (n: number) => {
  const b = Buffer.alloc(n, 0x20);
  b.write('%PDF-1.7\n');
  return new Uint8Array(b);
};

describe('attachments: presigned uploads S3 polices, verified before a message carries them', () => {
  let app: NestFastifyApplication;
  let url: string;
  let alice: ApiUser;
  let bob: ApiUser;
  let mallory: ApiUser;
  let conversationId: string;
  let otherConversationId: string;
  let png: Uint8Array;
  const sockets: ChatClient[] = [];

  const presign = (user: ApiUser, body: object, conv = conversationId) =>
    user.post<{ attachment: { id: string }; upload: Upload }>(
      `/conversations/${conv}/attachments`,
      body,
    );
  /** Presigns and uploads `bytes`; answers the attachment id and its form. */
  async function uploaded(
    user: ApiUser,
    bytes: Uint8Array,
    fileType: string,
    fileName = 'file.bin',
    conv = conversationId,
  ) {
    const res = await presign(user, { fileName, fileType, fileSize: bytes.length }, conv);
    expect(res.status).toBe(201);
    const put = await postForm(res.body.upload, bytes);
    expect(put.status).toBeLessThan(300);
    return { id: res.body.attachment.id, upload: res.body.upload };
  }
  const historyCount = async () =>
    (await alice.get(`/conversations/${conversationId}/messages?limit=100`)).body.items.length;

  beforeAll(async () => {
    ({ app, url } = await startTestApp({ LOG_LEVEL: 'error' }));
    [alice, bob, mallory] = await Promise.all([
      ApiUser.create(url),
      ApiUser.create(url),
      ApiUser.create(url),
    ]);
    const group = await alice.post('/conversations', {
      type: 'group',
      name: 'files',
      participants: [bob.id],
    });
    conversationId = group.body.id;
    const other = await alice.post('/conversations', {
      type: 'group',
      name: 'elsewhere',
      participants: [mallory.id],
    });
    otherConversationId = other.body.id;
    png = new Uint8Array(
      await sharp({ create: { width: 640, height: 400, channels: 3, background: '#3a7' } })
        .png()
        .toBuffer(),
    );
  });

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await app?.close();
  });

  describe('presign', () => {
    it('answers a pending attachment and a form whose key the server made', async () => {
      const res = await presign(alice, {
        fileName: ' report.pdf ',
        fileType: 'application/pdf',
        fileSize: 100,
      });
      expect(res.status).toBe(201);
      const { attachment, upload } = res.body as any;
      expect(attachment).toMatchObject({
        conversationId,
        uploaderId: alice.id,
        fileName: 'report.pdf',
        fileType: 'application/pdf',
        fileSize: 100,
        status: 'pending',
        messageId: null,
      });
      expect(upload.method).toBe('POST');
      expect(upload.fields.key).toMatch(new RegExp(`^att/${conversationId}/[0-9a-f-]{36}$`));
      expect(upload.fields['Content-Type']).toBe('application/pdf');
      expect(Object.keys(upload.fields).map((k) => k.toLowerCase())).not.toContain('acl');
      expect(new Date(upload.expiresAt).getTime()).toBeGreaterThan(Date.now());
    });

    it.each([
      ['a path', { fileName: '../../etc/passwd', fileType: 'text/plain', fileSize: 5 }, 400],
      [
        'a control character',
        { fileName: 'a\u0007b.txt', fileType: 'text/plain', fileSize: 5 },
        400,
      ],
      [
        'a bidi override',
        { fileName: 'x\u202Efdp.exe', fileType: 'application/pdf', fileSize: 5 },
        400,
      ],
      ['HTML', { fileName: 'a.html', fileType: 'text/html', fileSize: 5 }, 400],
      ['SVG', { fileName: 'a.svg', fileType: 'image/svg+xml', fileSize: 5 }, 400],
      [
        'too big',
        { fileName: 'a.pdf', fileType: 'application/pdf', fileSize: 25 * 1024 * 1024 + 1 },
        413,
      ],
      [
        'an unknown field',
        { fileName: 'a.pdf', fileType: 'application/pdf', fileSize: 5, acl: 'public-read' },
        400,
      ],
    ])('refuses %s', async (_, body, status) => {
      const res = await presign(alice, body);
      expect(res.status).toBe(status);
    });

    it('answers 404 to a non-member', async () => {
      const res = await presign(mallory, {
        fileName: 'a.pdf',
        fileType: 'application/pdf',
        fileSize: 5,
      });
      expect(res.status).toBe(404);
    });
  });

  describe('what S3 itself refuses', () => {
    const form = () =>
      presign(alice, { fileName: 'a.pdf', fileType: 'application/pdf', fileSize: 1000 }).then(
        (r) => r.body.upload,
      );

    it('accepts exactly the declared file', async () => {
      expect((await postForm(await form(), pdf(1000))).status).toBeLessThan(300);
    });

    /** S3 answered a refusal and stored nothing at any key this form could write. */
    const expectRefused = async (res: { status: number }, ...keys: string[]) => {
      expect([400, 403]).toContain(res.status);
      for (const key of keys) expect(await app.get(AttachmentStorage).head(key)).toBeNull();
    };

    it('refuses a file one byte larger or smaller than declared', async () => {
      const upload = await form();
      await expectRefused(await postForm(upload, pdf(1001)), upload.fields.key);
      await expectRefused(await postForm(upload, pdf(999)), upload.fields.key);
    });

    it('refuses another Content-Type', async () => {
      const upload = await form();
      const fields = { ...upload.fields, 'Content-Type': 'text/html' };
      await expectRefused(await postForm(upload, pdf(1000), {}, fields), upload.fields.key);
    });

    it('refuses an extra field the policy does not sign', async () => {
      const upload = await form();
      await expectRefused(
        await postForm(upload, pdf(1000), { acl: 'public-read' }),
        upload.fields.key,
      );
      await expectRefused(
        await postForm(upload, pdf(1000), { 'x-amz-meta-x': '1' }),
        upload.fields.key,
      );
    });

    it('refuses another key than the one the server made', async () => {
      const upload = await form();
      const key = `att/${otherConversationId}/${randomUUID()}`;
      await expectRefused(await postForm(upload, pdf(1000), {}, { ...upload.fields, key }), key);
    });

    it('refuses an expired policy', async () => {
      const key = `att/${conversationId}/${randomUUID()}`;
      const expired = await app
        .get(AttachmentStorage)
        .presignPost(key, 'application/pdf', 1000, -60);
      await expectRefused(await postForm(expired, pdf(1000)), key);
    });

    it('refuses an upload without a signature, or with a forged one', async () => {
      const upload = await form();
      const unsigned = { ...upload.fields };
      delete unsigned['X-Amz-Signature'];
      await expectRefused(await postForm(upload, pdf(1000), {}, unsigned), upload.fields.key);
      const forged = { ...upload.fields, 'X-Amz-Signature': '0'.repeat(64) };
      await expectRefused(await postForm(upload, pdf(1000), {}, forged), upload.fields.key);
    });
  });

  describe('attach on send', () => {
    it('a message with an attachment and no text reaches the room with metadata, never a URL', async () => {
      const a = await connectReady(url, alice.id, sockets);
      const b = await connectReady(url, bob.id, sockets);
      const { id } = await uploaded(alice, png, 'image/png', 'chart.png');
      const seen = waitForEvent(b, 'message:new', (m) => m.attachments.length > 0);
      const ack = await emitWithAck(a, 'message:send', {
        conversationId,
        content: '',
        clientMessageId: `att-${randomUUID()}`,
        attachmentIds: [id],
      });
      expect(ack).toMatchObject({ ok: true });
      const message = (ack as any).data;
      // The image's dimensions are read while it is verified: the message has them at once.
      expect(message.attachments).toEqual([
        {
          id,
          fileName: 'chart.png',
          fileType: 'image/png',
          fileSize: png.length,
          width: 640,
          height: 400,
        },
      ]);
      const delivered = await seen;
      expect(delivered.id).toBe(message.id);
      expect(JSON.stringify(delivered)).not.toMatch(/https?:|X-Amz|att\//);

      // Another member downloads the very bytes through the presigned GET.
      const dl = await bob.get(`/conversations/${conversationId}/attachments/${id}`);
      expect(dl.status).toBe(200);
      expect(dl.body.attachment).toMatchObject({ id, status: 'attached', messageId: message.id });
      const got = await fetch(dl.body.download.url);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('image/png');
      expect(got.headers.get('content-disposition')).toMatch(/^inline;/);
      expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(png))).toBe(true);

      // The attachment job stores a WebP thumbnail of at most 320 px beside the original.
      const thumbUrl = await expectEventually(async () => {
        const again = await bob.get(`/conversations/${conversationId}/attachments/${id}`);
        expect(again.body.download.thumbnailUrl).toEqual(expect.any(String));
        expect(again.body.attachment).toMatchObject({ width: 640, height: 400 });
        return again.body.download.thumbnailUrl as string;
      });
      const thumb = await fetch(thumbUrl);
      expect(thumb.headers.get('content-type')).toBe('image/webp');
      const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', 320, 200]);
    });

    it('REST send carries attachments; a PDF downloads as a file with its encoded name', async () => {
      const bytes = pdf(2048);
      const { id, upload } = await uploaded(alice, bytes, 'application/pdf', 'Bericht Q1 – ü.pdf');
      const sent = await alice.post(`/conversations/${conversationId}/messages`, {
        content: 'the report',
        attachmentIds: [id],
      });
      expect(sent.status).toBe(201);
      expect(sent.body.attachments).toEqual([
        { id, fileName: 'Bericht Q1 – ü.pdf', fileType: 'application/pdf', fileSize: 2048 },
      ]);
      const dl = await bob.get(`/conversations/${conversationId}/attachments/${id}`);
      const expiresIn = new Date(dl.body.download.expiresAt).getTime() - Date.now();
      expect(expiresIn).toBeLessThanOrEqual(5 * 60_000);
      const got = await fetch(dl.body.download.url);
      expect(got.headers.get('content-disposition')).toBe(
        `attachment; filename="Bericht Q1 _ _.pdf"; filename*=UTF-8''Bericht%20Q1%20%E2%80%93%20%C3%BC.pdf`,
      );
      expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);

      // The form still works until its policy expires, but cannot change the attached file.
      const evil = Buffer.from(pdf(2048));
      evil.write('%PDF-1.7 replaced', 0);
      await postForm(upload, new Uint8Array(evil));
      const again = await bob.get(`/conversations/${conversationId}/attachments/${id}`);
      const bytesNow = Buffer.from(await (await fetch(again.body.download.url)).arrayBuffer());
      expect(bytesNow.equals(Buffer.from(bytes))).toBe(true);
    });

    it('refuses, storing nothing, every id that is not the sender’s pending upload here', async () => {
      const before = await historyCount();
      const elsewhere = await uploaded(
        mallory,
        pdf(100),
        'application/pdf',
        'x.pdf',
        otherConversationId,
      );
      const bobs = await uploaded(bob, pdf(100), 'application/pdf');
      const attached = await uploaded(alice, pdf(100), 'application/pdf');
      expect(
        (
          await alice.post(`/conversations/${conversationId}/messages`, {
            content: 'x',
            attachmentIds: [attached.id],
          })
        ).status,
      ).toBe(201);
      const neverUploaded = await presign(alice, {
        fileName: 'n.pdf',
        fileType: 'application/pdf',
        fileSize: 100,
      });
      const html = new Uint8Array(Buffer.from('<!doctype html><script>alert(1)</script>'));
      const disguised = await uploaded(alice, html, 'image/png', 'cat.png');
      const unknown = 'f'.repeat(24);

      const afterSetup = await historyCount();
      expect(afterSetup).toBe(before + 1);
      for (const ids of [
        [elsewhere.id],
        [bobs.id],
        [attached.id],
        [neverUploaded.body.attachment.id],
        [disguised.id],
        [unknown],
      ]) {
        const res = await alice.post(`/conversations/${conversationId}/messages`, {
          content: 'nope',
          attachmentIds: ids,
        });
        expect({ ids, status: res.status, code: res.body.code }).toEqual({
          ids,
          status: 400,
          code: 'validation_failed',
        });
      }
      // A refused send claims nothing: the disguised upload stays pending.
      const still = await alice.get(`/conversations/${conversationId}/attachments/${disguised.id}`);
      expect(still.body.attachment.status).toBe('pending');
      expect(await historyCount()).toBe(afterSetup);
    });

    it('refuses more than 10 attachments', async () => {
      const ids = Array.from({ length: 11 }, (_, i) => i.toString(16).padStart(24, '0'));
      const res = await alice.post(`/conversations/${conversationId}/messages`, {
        content: 'many',
        attachmentIds: ids,
      });
      expect(res.status).toBe(400);
    });

    it('of two sends racing for one pending upload, exactly one stores a message', async () => {
      const before = await historyCount();
      const { id } = await uploaded(alice, pdf(300), 'application/pdf');
      const results = await Promise.all(
        [1, 2].map((n) =>
          alice.post(`/conversations/${conversationId}/messages`, {
            content: `race ${n}`,
            clientMessageId: `race-${n}-${randomUUID()}`,
            attachmentIds: [id],
          }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 400]);
      expect(results.find((r) => r.status === 400)!.body.code).toBe('validation_failed');
      expect(await historyCount()).toBe(before + 1);
    });

    it('a retried send (same clientMessageId) answers the original message', async () => {
      const { id } = await uploaded(alice, pdf(300), 'application/pdf');
      const body = {
        content: 'once',
        clientMessageId: `retry-${randomUUID()}`,
        attachmentIds: [id],
      };
      const first = await alice.post(`/conversations/${conversationId}/messages`, body);
      const second = await alice.post(`/conversations/${conversationId}/messages`, body);
      expect([first.status, second.status]).toEqual([201, 200]);
      expect(second.body.id).toBe(first.body.id);
    });
  });

  describe('download', () => {
    it('answers 404 to a non-member, for an unknown id and for a deleted message', async () => {
      const { id } = await uploaded(alice, pdf(100), 'application/pdf');
      const sent = await alice.post(`/conversations/${conversationId}/messages`, {
        content: 'soon gone',
        attachmentIds: [id],
      });
      const path = `/conversations/${conversationId}/attachments/${id}`;
      expect((await bob.get(path)).status).toBe(200);
      expect((await mallory.get(path)).status).toBe(404);
      expect(
        (await bob.get(`/conversations/${conversationId}/attachments/${'e'.repeat(24)}`)).status,
      ).toBe(404);
      expect(
        (await alice.delete(`/conversations/${conversationId}/messages/${sent.body.id}`)).status,
      ).toBe(200);
      expect((await bob.get(path)).status).toBe(404);
      expect((await alice.get(path)).status).toBe(404);
    });

    it('shows a pending upload to its uploader only', async () => {
      const { id } = await uploaded(alice, pdf(100), 'application/pdf');
      const path = `/conversations/${conversationId}/attachments/${id}`;
      expect((await alice.get(path)).status).toBe(200);
      expect((await bob.get(path)).status).toBe(404);
    });

    it('a download URL expires', async () => {
      const { id, upload } = await uploaded(alice, pdf(100), 'application/pdf');
      const dl = await alice.get(`/conversations/${conversationId}/attachments/${id}`);
      expect(
        Number(new URL(dl.body.download.url).searchParams.get('X-Amz-Expires')),
      ).toBeLessThanOrEqual(300);
      // The same kind of URL with a 1 s life, to see S3 refuse it once it is over.
      const short = await app.get(AttachmentStorage).presignGet(upload.fields.key, {
        contentType: 'application/pdf',
        disposition: 'attachment',
        expiresSeconds: 1,
      });
      expect((await fetch(short)).status).toBe(200);
      await expectEventually(async () => expect((await fetch(short)).status).toBe(403), {
        timeoutMs: 10_000,
        intervalMs: 250,
      });
    });
  });

  describe('lifecycle jobs', () => {
    const keysOf = async (id: string) => {
      const r = await app.get<AttachmentRepository>(ATTACHMENT_REPOSITORY).findById(id);
      return [r!.storageKey, r!.objectKey].filter((k): k is string => !!k);
    };
    const exists = async (key: string) => !!(await app.get(AttachmentStorage).head(key));

    it('deleting a message deletes its attachments’ objects', async () => {
      const { id } = await uploaded(alice, pdf(100), 'application/pdf');
      const sent = await alice.post(`/conversations/${conversationId}/messages`, {
        content: 'to delete',
        attachmentIds: [id],
      });
      const keys = await keysOf(id);
      expect(keys).toHaveLength(2);
      for (const k of keys) expect(await exists(k)).toBe(true);
      await alice.delete(`/conversations/${conversationId}/messages/${sent.body.id}`);
      await expectEventually(async () => {
        for (const k of keys) expect(await exists(k)).toBe(false);
      });
    });

    it('deleting a conversation purges its attachments', async () => {
      const conv = await alice.post('/conversations', {
        type: 'group',
        name: 'short-lived',
        participants: [bob.id],
      });
      const { id } = await uploaded(alice, pdf(100), 'application/pdf', 'x.pdf', conv.body.id);
      await alice.post(`/conversations/${conv.body.id}/messages`, {
        content: 'x',
        attachmentIds: [id],
      });
      const keys = await keysOf(id);
      expect((await alice.delete(`/conversations/${conv.body.id}`)).status).toBe(200);
      await expectEventually(async () => {
        for (const k of keys) expect(await exists(k)).toBe(false);
      });
    });

    it('a message whose node died before marking its attachments still gets them attached', async () => {
      const { id } = await uploaded(alice, pdf(100), 'application/pdf');
      // The send path up to the actor's ack, and then nothing: no settle.
      const claim = await app.get(AttachmentsService).claimForSend(alice.id, conversationId, [id]);
      const { message } = await app.get(ConversationRouter).dispatch({
        type: 'message:send',
        conversationId,
        userId: alice.id,
        input: { content: 'orphaned', attachments: claim.refs },
      });
      // The stored message's event feeds the attachment job, which marks it attached.
      await expectEventually(async () => {
        const dl = await bob.get(`/conversations/${conversationId}/attachments/${id}`);
        expect(dl.body.attachment).toMatchObject({ status: 'attached', messageId: message.id });
      });
    });

    it('the sweep puts back a claim whose send never reached the store', async () => {
      const { id } = await uploaded(alice, pdf(100), 'application/pdf');
      await app.get(AttachmentsService).claimForSend(alice.id, conversationId, [id]);
      const path = `/conversations/${conversationId}/attachments/${id}`;
      expect((await alice.get(path)).body.attachment.status).toBe('uploaded');
      const result = await app.get(AttachmentProcessor).sweep(new Date(Date.now() + 11 * 60_000));
      expect(result.repaired).toBeGreaterThanOrEqual(1);
      expect((await alice.get(path)).body.attachment.status).toBe('pending');
    });

    it('the sweep deletes a pending upload older than ATTACHMENT_PENDING_TTL (object and record)', async () => {
      const { id, upload } = await uploaded(alice, pdf(100), 'application/pdf');
      const path = `/conversations/${conversationId}/attachments/${id}`;
      const processor = app.get(AttachmentProcessor);
      // Run now, nothing is old enough; run "a day later", it goes.
      await processor.sweep(new Date());
      expect(await exists(upload.fields.key)).toBe(true);
      const result = await processor.sweep(new Date(Date.now() + 24 * 3600_000 + 60_000));
      expect(result.expired).toBeGreaterThanOrEqual(1);
      expect(await exists(upload.fields.key)).toBe(false);
      expect((await alice.get(path)).status).toBe(404);
    });
  });
});
