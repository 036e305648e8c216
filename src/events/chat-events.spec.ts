import { aMessage } from '../../test/support/message-fixture';
import { messagesCreated, sendRecipients } from './chat-events';

const at = new Date('2026-12-01T00:00:00Z');
const message = (senderId: string) =>
  aMessage({ id: '0'.repeat(23) + '1', senderId, createdAt: at });

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
