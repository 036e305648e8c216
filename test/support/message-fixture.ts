import type { Message } from '../../src/messages/message.types';

/** A stored, never edited message with no attachments, thread or receipts, for unit tests. */
export function aMessage(over: Partial<Message> = {}): Message {
  const at = over.createdAt ?? new Date('2026-12-01T00:00:00Z');
  return {
    id: 'a'.repeat(24),
    conversationId: 'c'.repeat(24),
    seq: 1,
    senderId: '6f1c2a4e-8d7b-4c3e-9a10-2b3c4d5e6f70',
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
    ...over,
  };
}
