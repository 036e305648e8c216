import type { Message } from '../messages/message.types';
import { messagesCreated, sendRecipients } from './chat-events';

const at = new Date('2026-12-01T00:00:00Z');
const message = (senderId: string): Message => ({
  id: '0'.repeat(23) + '1',
  conversationId: 'c'.repeat(24),
  seq: 1,
  senderId,
  content: 'hi',
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
  clientMessageId: 'k',
});

describe('recipients carried by chat.message.created', () => {
  it('are the participants but the sender, up to the bound', () => {
    expect(sendRecipients(['a', 'b', 'c'], 'b', 2)).toEqual(['a', 'c']);
    expect(sendRecipients(['a', 'b', 'c'], 'b', 1)).toBeUndefined();
    expect(sendRecipients(['a'], 'a', 2)).toEqual([]);
  });

  it('are never carried when the bound is 0', () => {
    expect(sendRecipients(['a', 'b'], 'a', 0)).toBeUndefined();
  });

  it('ride on the event, outside the data that is published', () => {
    const [small] = messagesCreated([message('a')], { participants: ['a', 'b'] }, 256);
    expect(small.recipients).toEqual(['b']);
    expect(small.data).not.toHaveProperty('recipients');
    const [big] = messagesCreated([message('a')], { participants: ['a', 'b', 'c'] }, 1);
    expect(big).not.toHaveProperty('recipients');
  });
});
