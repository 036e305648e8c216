import { conversationDeleted, messageCreated, messageDeleted } from '../events/chat-events';
import type { Message } from '../messages/message.types';
import { attachmentJobId, jobsFor } from './attachment-queue';

const at = new Date('2026-12-01T12:00:00Z');
const message = (over: Partial<Message> = {}): Message => ({
  id: 'a'.repeat(24),
  conversationId: 'c'.repeat(24),
  seq: 1,
  senderId: '6f1c2a4e-8d7b-4c3e-9a10-2b3c4d5e6f70',
  content: '',
  attachments: [],
  parentId: null,
  replyCount: 0,
  lastReplyAt: null,
  replyUserIds: [],
  reactions: [],
  createdAt: at,
  updatedAt: at,
  editedAt: null,
  deletedAt: null,
  deliveredTo: [],
  readBy: [],
  clientMessageId: 'm-1',
  ...over,
});

describe('attachment jobs from stored changes', () => {
  it('a message that carries attachments is attached; one without needs nothing', () => {
    const ref = { id: 'b'.repeat(24), fileName: 'a.png', fileType: 'image/png', fileSize: 10 };
    expect(
      jobsFor([messageCreated(message()), messageCreated(message({ attachments: [ref] }))]),
    ).toEqual([
      {
        kind: 'attached',
        conversationId: 'c'.repeat(24),
        messageId: 'a'.repeat(24),
        attachmentIds: [ref.id],
      },
    ]);
  });

  it('a deleted message and a deleted conversation purge their files', () => {
    const deleted = message({ deletedAt: at });
    const jobs = jobsFor([
      messageDeleted(deleted),
      conversationDeleted({ id: 'c'.repeat(24), deletedAt: at, updatedAt: at } as never),
    ]);
    expect(jobs.map((j) => j.kind)).toEqual(['message-deleted', 'conversation-deleted']);
  });

  it('job ids are stable per change and carry no colon (BullMQ refuses them)', () => {
    const [job] = jobsFor([messageDeleted(message({ deletedAt: at }))]);
    expect(attachmentJobId(job)).toBe(`message-deleted-${'a'.repeat(24)}`);
    expect(attachmentJobId({ kind: 'upload-expired', attachmentId: 'b'.repeat(24) })).not.toContain(
      ':',
    );
  });
});
