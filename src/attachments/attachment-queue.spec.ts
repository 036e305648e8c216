import { conversationDeleted, messageCreated, messageDeleted } from '../events/chat-events';
import type { Message } from '../messages/message.types';
import { attachmentJobId, jobsFor } from './attachment-queue';
import { aMessage } from '../../test/support/message-fixture';

const at = new Date('2026-12-01T12:00:00Z');
const message = (over: Partial<Message> = {}): Message =>
  aMessage({ content: '', clientMessageId: 'm-1', createdAt: at, ...over });

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
