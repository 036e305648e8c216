import type { ConversationRepository } from '../conversations/conversation.repository';
import { DuplicateKeyError, type MessageRepository } from '../messages/message.repository';
import type { Message } from '../messages/message.types';
import { fakeActor, storedGroup } from '../../test/support/actor-fakes';
import { aMessage } from '../../test/support/message-fixture';

const conv = 'c'.repeat(24);
const alice = '00000000-0000-4000-8000-000000000001';
const bob = '00000000-0000-4000-8000-000000000002';

/**
 * An actor over a fake message store that keeps the unique indexes' rule (a seq, or a
 * sender's clientMessageId, taken twice is refused) and a conversation summary that says
 * `summarySeq`, which may lag the stored messages (it is written off the ack path).
 */
function actor(stored: Message[], summarySeq: number) {
  const store = [...stored];
  const messages = {
    page: async (_: string, q: { limit: number }) => {
      const newest = [...store].sort((a, b) => a.seq - b.seq).slice(-q.limit);
      return { items: newest, hasMore: store.length > newest.length };
    },
    findByClientIds: async (_: string, keys: { senderId: string; clientMessageId: string }[]) =>
      store.filter((m) =>
        keys.some((k) => k.senderId === m.senderId && k.clientMessageId === m.clientMessageId),
      ),
    parents: async () => new Map(),
  } as unknown as MessageRepository;
  const writer = {
    submit: async (batch: { messages: readonly Message[] }) => {
      for (const m of batch.messages) {
        const taken = store.some(
          (s) =>
            s.seq === m.seq ||
            (s.senderId === m.senderId && s.clientMessageId === m.clientMessageId),
        );
        if (taken) throw new DuplicateKeyError('E11000 duplicate key');
      }
      store.push(...batch.messages);
    },
  };
  const conversations = {
    findStateById: async () => storedGroup(conv, [alice, bob], summarySeq),
    cursorsIn: async () => new Map(),
    saveCursors: async () => undefined,
    saveLastMessage: async () => undefined,
  } as unknown as ConversationRepository;
  const a = fakeActor(conv, { messages, conversations, writer });
  return { a, store };
}

const history = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    aMessage({
      id: (i + 1).toString(16).padStart(24, '0'),
      conversationId: conv,
      seq: i + 1,
      senderId: i % 2 ? bob : alice,
      content: `m${i + 1}`,
      clientMessageId: `k${i + 1}`,
    }),
  );

describe('ConversationActor load', () => {
  it('numbers a send after the newest stored message when the summary lags behind', async () => {
    const { a, store } = actor(history(5), 3);
    const sent = await a.send({ senderId: bob, content: 'next', attachments: [], parentId: null });
    expect(sent).toMatchObject({ created: true, message: { seq: 6, content: 'next' } });
    expect(store.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('answers a retry of a send stored long before the newest page with the stored message', async () => {
    const { a, store } = actor(history(250), 250);
    const retried = await a.send({
      senderId: alice,
      content: 'm11 again',
      attachments: [],
      parentId: null,
      clientMessageId: 'k11',
    });
    expect(retried).toMatchObject({ created: false, message: { seq: 11, content: 'm11' } });
    expect(store).toHaveLength(250);
  });

  it('starts an empty conversation at seq 1', async () => {
    const { a } = actor([], 0);
    const sent = await a.send({
      senderId: alice,
      content: 'first',
      attachments: [],
      parentId: null,
    });
    expect(sent.message.seq).toBe(1);
  });
});
