import type { Conversation } from '../conversations/conversation.types';
import type { ConversationRepository } from '../conversations/conversation.repository';
import type { MessageRepository } from '../messages/message.repository';
import { fakeActor, storedGroup } from '../../test/support/actor-fakes';

const conv = 'c'.repeat(24);
const alice = '00000000-0000-4000-8000-000000000001';
const bob = '00000000-0000-4000-8000-000000000002';
const INTERVAL = 500;

/** An actor over fakes of our own ports that records its follow-up writes. */
function actor(intervalMs = INTERVAL) {
  const summaries: { lastSeq: number; content?: string | null }[] = [];
  const cursors: { userId: string; readSeq: number }[][] = [];
  const messages = {
    page: async () => ({ items: [], hasMore: false }),
    findByClientIds: async () => [],
    parents: async () => new Map(),
  } as unknown as MessageRepository;
  const conversations = {
    findStateById: async () => storedGroup(conv, [alice, bob], 0),
    cursorsIn: async () => new Map(),
    saveCursors: async (_: string, rows: { userId: string; readSeq: number }[]) =>
      void cursors.push(rows.map(({ userId, readSeq }) => ({ userId, readSeq }))),
    saveLastMessage: async (c: Conversation) =>
      void summaries.push({ lastSeq: c.lastSeq, content: c.lastMessage?.preview }),
  } as unknown as ConversationRepository;
  const a = fakeActor(conv, { messages, conversations, summaryIntervalMs: intervalMs });
  const send = (senderId: string, content: string) =>
    a.send({ senderId, content, attachments: [], parentId: null });
  return { a, send, summaries, cursors };
}

describe('ConversationActor follow-up writes (summary and implicit read)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes a quiet conversation’s summary at once', async () => {
    const h = actor();
    await h.send(alice, 'hello');
    await jest.advanceTimersByTimeAsync(0);
    expect(h.summaries).toEqual([{ lastSeq: 1, content: 'hello' }]);
    expect(h.cursors).toEqual([[{ userId: alice, readSeq: 1 }]]);
  });

  it('writes a busy conversation at most once per interval, with the newest state', async () => {
    const h = actor();
    await h.send(alice, 'm1');
    await jest.advanceTimersByTimeAsync(0);
    for (let i = 2; i <= 9; i++) {
      await h.send(i % 2 ? alice : bob, `m${i}`);
      await jest.advanceTimersByTimeAsync(10);
    }
    expect(h.summaries).toHaveLength(1); // eight sends inside the interval: nothing written yet
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(h.summaries).toEqual([
      { lastSeq: 1, content: 'm1' },
      { lastSeq: 9, content: 'm9' },
    ]);
    // Each sender's implicit read at their own last message.
    expect(h.cursors[1]).toEqual(
      expect.arrayContaining([
        { userId: alice, readSeq: 9 },
        { userId: bob, readSeq: 8 },
      ]),
    );
    expect(h.a.isIdle(0)).toBe(true);
  });

  it('is not idle while a write waits for its interval, and a stop writes it at once', async () => {
    const h = actor();
    await h.send(alice, 'm1');
    await h.send(alice, 'm2');
    await jest.advanceTimersByTimeAsync(0);
    expect(h.summaries.map((s) => s.lastSeq)).toEqual([1]);
    expect(h.a.isIdle(0)).toBe(false); // never passivated with a write owed
    h.a.flushFollowUp();
    await jest.advanceTimersByTimeAsync(0);
    expect(h.summaries.map((s) => s.lastSeq)).toEqual([1, 2]);
    expect(h.a.isIdle(0)).toBe(true);
  });

  it('with an interval of 0 writes after every flush', async () => {
    const h = actor(0);
    for (let i = 1; i <= 3; i++) {
      await h.send(alice, `m${i}`);
      await jest.advanceTimersByTimeAsync(0);
    }
    expect(h.summaries.map((s) => s.lastSeq)).toEqual([1, 2, 3]);
  });
});
