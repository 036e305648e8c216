import pino from 'pino';
import type { Broadcaster, Receipt } from '../actors/broadcaster';
import type { ConversationRepository } from '../conversations/conversation.repository';
import type { ChatEvent } from '../events/chat-events';
import { ReceiptCoalescer } from './receipt-coalescer';

/** Fakes of our own ports that record what the coalescer writes. */
function harness(writeDelayMs = 5) {
  const saved: { userId: string; readSeq: number; deliveredSeq: number }[][] = [];
  const events: ChatEvent[] = [];
  const broadcast: Receipt[] = [];
  const delay = () => new Promise((r) => setTimeout(r, writeDelayMs));
  const conversations = {
    cursors: async () => ({ readSeq: 0, deliveredSeq: 0 }),
    saveCursors: async (_: string, rows: (typeof saved)[number]) => {
      await delay();
      saved.push([...rows]);
    },
  } as unknown as ConversationRepository;
  const coalescer = new ReceiptCoalescer('c'.repeat(24), {
    serialize: (write) => write(),
    conversations,
    changeLog: { prepare: async (e: readonly ChatEvent[]) => void events.push(...e) },
    broadcaster: {
      receipts: (_: string, r: readonly Receipt[]) => void broadcast.push(...r),
    } as Broadcaster,
    logger: pino({ level: 'silent' }),
  });
  return { coalescer, saved, events, broadcast };
}

describe('ReceiptCoalescer', () => {
  it('writes a lone receipt at once and answers with the durable cursors', async () => {
    const h = harness();
    const { durable } = await h.coalescer.stage('u1', 'read', 3, 10, true);
    expect(await durable).toEqual({ readSeq: 3, deliveredSeq: 3 });
    expect(h.saved).toEqual([[{ userId: 'u1', readSeq: 3, deliveredSeq: 3 }]]);
    expect(h.events.map((e) => e.id)).toEqual([`chat.receipt.read:${'c'.repeat(24)}:u1:3`]);
    expect(h.broadcast.map((r) => [r.type, r.seq])).toEqual([
      ['read', 3],
      ['delivered', 3],
    ]);
  });

  it('coalesces a storm: receipts that arrive during a write share the next one', async () => {
    const h = harness(20);
    const answers: Promise<unknown>[] = [];
    for (let seq = 1; seq <= 50; seq++) {
      for (const user of ['a', 'b', 'c', 'd']) {
        answers.push((await h.coalescer.stage(user, 'read', seq, 50, true)).durable);
      }
    }
    await Promise.all(answers);
    // 200 receipts, two writes: the first one alone, everything else merged behind it.
    expect(h.coalescer.stats).toEqual({ received: 200, flushes: 2 });
    const second = [...h.saved[1]].sort((x, y) => x.userId.localeCompare(y.userId));
    expect(second).toEqual(
      ['a', 'b', 'c', 'd'].map((userId) => ({ userId, readSeq: 50, deliveredSeq: 50 })),
    );
  });

  it('does not write a receipt that moves nothing, nor announce an implicit read', async () => {
    const h = harness();
    await (
      await h.coalescer.stage('u1', 'read', 5, 5, false)
    ).durable;
    expect(h.broadcast).toEqual([]);
    expect(h.events).toEqual([]);
    const again = await (await h.coalescer.stage('u1', 'read', 4, 5, true)).durable;
    expect(again).toEqual({ readSeq: 5, deliveredSeq: 5 });
    expect(h.saved).toHaveLength(1);
  });
});
