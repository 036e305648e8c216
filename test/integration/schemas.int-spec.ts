import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Model, Types } from 'mongoose';
import { ATTACHMENT_MODEL, AttachmentDoc } from '../../src/attachments/attachment.schema';
import {
  CONVERSATION_MODEL,
  ConversationDoc,
  MEMBER_MODEL,
  MemberDoc,
} from '../../src/conversations/conversation.schema';
import { MESSAGE_MODEL, MessageDoc } from '../../src/messages/message.schema';
import { startTestApp } from '../support/app';

const DUPLICATE_KEY = 11000;

describe('collections and indexes on the real MongoDB-wire server', () => {
  let app: NestFastifyApplication;
  let messages: Model<MessageDoc>;
  let conversations: Model<ConversationDoc>;
  let members: Model<MemberDoc>;
  let attachments: Model<AttachmentDoc>;

  beforeAll(async () => {
    ({ app } = await startTestApp());
    messages = app.get(MESSAGE_MODEL);
    conversations = app.get(CONVERSATION_MODEL);
    members = app.get(MEMBER_MODEL);
    attachments = app.get(ATTACHMENT_MODEL);
  });
  afterAll(async () => {
    await app?.close();
  });

  const message = (
    conversationId: Types.ObjectId,
    seq: number,
    clientMessageId: string = randomUUID(),
  ) => ({
    conversationId,
    seq,
    senderId: randomUUID(),
    clientMessageId,
    content: `message ${seq}`,
  });

  it('refuses a second message with the same (conversationId, seq)', async () => {
    const conversationId = new Types.ObjectId();
    await messages.collection.insertOne(message(conversationId, 1));
    await expect(messages.collection.insertOne(message(conversationId, 1))).rejects.toMatchObject({
      code: DUPLICATE_KEY,
    });
    await messages.collection.insertOne(message(new Types.ObjectId(), 1));
    expect(await messages.countDocuments({ conversationId })).toBe(1);
  });

  it('refuses a batch that repeats a seq without storing past the duplicate', async () => {
    const conversationId = new Types.ObjectId();
    const batch = [
      message(conversationId, 1),
      message(conversationId, 2),
      message(conversationId, 2),
    ];
    await expect(messages.collection.insertMany(batch, { ordered: true })).rejects.toMatchObject({
      code: DUPLICATE_KEY,
    });
    const stored = await messages.find({ conversationId }).sort({ seq: 1 }).lean();
    expect(stored.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('refuses the same clientMessageId twice from one sender in one conversation', async () => {
    const conversationId = new Types.ObjectId();
    const first = message(conversationId, 1, 'client-1');
    await messages.collection.insertOne(first);
    await expect(
      messages.collection.insertOne({
        ...message(conversationId, 2, 'client-1'),
        senderId: first.senderId,
      }),
    ).rejects.toMatchObject({ code: DUPLICATE_KEY });
    // Another sender may use the same client id.
    await messages.collection.insertOne(message(conversationId, 2, 'client-1'));
    expect(await messages.countDocuments({ conversationId })).toBe(2);
  });

  it('keeps one private conversation per pair of users', async () => {
    const [a, b] = [randomUUID(), randomUUID()].sort();
    const doc = {
      type: 'private' as const,
      participants: [a, b],
      createdBy: a,
      key: `private:${a}:${b}`,
    };
    await conversations.create(doc);
    await expect(conversations.create(doc)).rejects.toMatchObject({ code: DUPLICATE_KEY });
  });

  it('keeps one cursor row per member', async () => {
    const conversationId = new Types.ObjectId();
    const userId = randomUUID();
    const row = {
      _id: `${conversationId.toHexString()}:${userId}`,
      conversationId,
      userId,
      joinedAt: new Date(),
    };
    await members.create(row);
    await expect(members.create(row)).rejects.toMatchObject({ code: DUPLICATE_KEY });
    const [stored] = await members.find({ conversationId }).lean();
    expect(stored).toMatchObject({ readSeq: 0, deliveredSeq: 0 });
  });

  it('keeps storage keys unique and defaults an attachment to pending', async () => {
    const row = {
      conversationId: new Types.ObjectId(),
      uploaderId: randomUUID(),
      fileName: 'a.png',
      fileType: 'image/png',
      fileSize: 10,
      storageKey: `att/${new Types.ObjectId().toHexString()}/${randomUUID()}`,
      storageUrl: 's3://parley/att/x',
      uploadExpiresAt: new Date(Date.now() + 60_000),
    };
    const created = await attachments.create(row);
    expect(created.status).toBe('pending');
    await expect(attachments.create(row)).rejects.toMatchObject({ code: DUPLICATE_KEY });
  });

  it('drops filter keys the schema does not declare (strictQuery)', async () => {
    const conversationId = new Types.ObjectId();
    await messages.collection.insertOne(message(conversationId, 1));
    const found = await messages.find({ conversationId, notAField: { $ne: 1 } } as never).lean();
    expect(found).toHaveLength(1);
  });
});
