import { messageCreated, messageDeleted, messageUpdated, receiptRead } from '../events/chat-events';
import type { Message } from '../messages/message.types';
import { aMessage } from '../../test/support/message-fixture';
import { toSearchDoc } from './search-mapping';
import { searchJobOf } from './search-queue';

/** An event as the relay reads it back from the outbox: its data through JSON. */
const viaOutbox = <T extends { data: Record<string, unknown> }>(e: T): T => ({
  ...e,
  data: JSON.parse(JSON.stringify(e.data)) as Record<string, unknown>,
});

const sent = aMessage({ id: '1'.repeat(24), content: 'see https://example.org' });
const edited: Message = {
  ...sent,
  content: 'edited',
  updatedAt: new Date(sent.updatedAt.getTime() + 5),
};
const deleted: Message = {
  ...edited,
  content: null,
  deletedAt: new Date(edited.updatedAt.getTime() + 5),
  updatedAt: new Date(edited.updatedAt.getTime() + 5),
};

describe('searchJobOf', () => {
  it('carries each message as its latest event in the batch left it, from the outbox’s JSON', () => {
    const other = aMessage({ id: '2'.repeat(24), seq: 2 });
    const job = searchJobOf(
      [messageCreated(sent), messageCreated(other), messageUpdated(edited)].map(viaOutbox),
      1234,
    );
    expect(job?.messages).toEqual([
      { conversationId: sent.conversationId, messageId: sent.id },
      { conversationId: other.conversationId, messageId: other.id },
    ]);
    expect(job?.carried).toEqual({
      at: 1234,
      changes: [{ upsert: toSearchDoc(edited) }, { upsert: toSearchDoc(other) }],
    });
  });

  it('carries a deletion as a removal at the version of the deletion', () => {
    const job = searchJobOf([messageCreated(sent), messageDeleted(deleted)].map(viaOutbox));
    expect(job?.carried?.changes).toEqual([
      {
        remove: {
          id: sent.id,
          conversationId: sent.conversationId,
          version: deleted.updatedAt.getTime(),
        },
      },
    ]);
  });

  it('carries nothing when an event lacks what the index needs (the job re-reads)', () => {
    const partial = messageCreated(sent);
    const data = { ...partial.data, createdAt: undefined };
    const job = searchJobOf([
      messageCreated(aMessage({ id: '2'.repeat(24) })),
      { ...partial, data },
    ]);
    expect(job?.messages).toHaveLength(2);
    expect(job?.carried).toBeUndefined();
  });

  it('makes no job for a batch of events search does not follow', () => {
    expect(searchJobOf([receiptRead(sent.conversationId, 'u2', 1, new Date())])).toBeNull();
  });
});
