import pino from 'pino';
import type { Broadcaster } from '../actors/broadcaster';
import type { ChatEvent } from '../events/chat-events';
import { ReactionCoalescer, ReactionStore } from './reaction-coalescer';
import type { ReactionsUpdate, StoredReaction } from './reaction-state';

const conv = 'c'.repeat(24);
const m1 = '1'.repeat(24);
const m2 = '2'.repeat(24);
const gone = 'd'.repeat(24);

/** Fakes of our own ports that record what the coalescer reads and writes. */
function harness(opts: { writeDelayMs?: number; maxDistinct?: number; failWrites?: number } = {}) {
  const docs = new Map<string, { seq: number; deleted: boolean; reactions: StoredReaction[] }>([
    [m1, { seq: 1, deleted: false, reactions: [] }],
    [m2, { seq: 2, deleted: false, reactions: [{ emoji: ':x:', userIds: ['z'] }] }],
    [gone, { seq: 3, deleted: true, reactions: [] }],
  ]);
  const writes: { messageId: string; reactions: StoredReaction[] }[][] = [];
  const events: ChatEvent[] = [];
  const broadcast: ReactionsUpdate[] = [];
  let reads = 0;
  let failures = opts.failWrites ?? 0;
  const store: ReactionStore = {
    reactionsOf: async (_, id) => {
      reads++;
      const d = docs.get(id);
      return d ? structuredClone(d) : null;
    },
    saveReactions: async (_, rows) => {
      await new Promise((r) => setTimeout(r, opts.writeDelayMs ?? 5));
      if (failures-- > 0) throw new Error('store down');
      writes.push(rows.map((r) => ({ messageId: r.messageId, reactions: r.reactions })));
      for (const r of rows) docs.get(r.messageId)!.reactions = r.reactions;
    },
  };
  const lost: string[] = [];
  const coalescer = new ReactionCoalescer(conv, {
    serialize: (write) => write(),
    store,
    changeLog: { prepare: async (e: readonly ChatEvent[]) => void events.push(...e) },
    broadcaster: {
      reactions: (u: readonly ReactionsUpdate[]) => void broadcast.push(...u),
    } as Broadcaster,
    logger: pino({ level: 'silent' }),
    maxDistinct: opts.maxDistinct ?? 50,
    lost: (ids) => void lost.push(...ids),
  });
  return { coalescer, docs, writes, events, broadcast, lost, reads: () => reads };
}

describe('ReactionCoalescer', () => {
  it('writes a lone reaction at once, with its event first and its broadcast after', async () => {
    const h = harness();
    const { update, durable } = await h.coalescer.stage(m1, 'u1', '👍', true);
    expect(update).toEqual({
      conversationId: conv,
      messageId: m1,
      reactions: [{ emoji: '👍', count: 1, userIds: ['u1'] }],
    });
    await durable;
    expect(h.writes).toEqual([[{ messageId: m1, reactions: [{ emoji: '👍', userIds: ['u1'] }] }]]);
    expect(h.events.map((e) => [e.type, e.data.messageId, e.data.seq])).toEqual([
      ['chat.reaction.updated', m1, 1],
    ]);
    expect(h.broadcast).toEqual([update]);
  });

  it('coalesces a storm: 200 reactions on two messages become a few writes, exact', async () => {
    const h = harness({ writeDelayMs: 20 });
    const durable: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      durable.push((await h.coalescer.stage(m1, `u${i}`, '🎉', true)).durable);
      durable.push((await h.coalescer.stage(m2, `u${i}`, ':x:', i % 2 === 0)).durable);
    }
    await Promise.all(durable);
    expect(h.coalescer.stats.received).toBe(200);
    expect(h.coalescer.stats.flushes).toBe(2);
    expect(h.reads()).toBe(2); // each message read once, then held
    expect(h.docs.get(m1)!.reactions).toEqual([
      { emoji: '🎉', userIds: Array.from({ length: 100 }, (_, i) => `u${i}`) },
    ]);
    // Removing what is not there changed nothing; 50 adds on top of 'z'.
    expect(h.docs.get(m2)!.reactions[0].userIds).toHaveLength(51);
    // The last broadcast of each message is its stored state, with exact counts.
    const last = (id: string) => h.broadcast.filter((u) => u.messageId === id).at(-1)!;
    expect(last(m1).reactions[0]).toMatchObject({ count: 100 });
    expect(last(m1).reactions[0].userIds).toHaveLength(100);
    expect(last(m2).reactions[0]).toMatchObject({ count: 51 });
  });

  it('is idempotent: adding twice or removing what is not there writes nothing', async () => {
    const h = harness();
    await (
      await h.coalescer.stage(m1, 'u1', '👍', true)
    ).durable;
    const again = await h.coalescer.stage(m1, 'u1', '👍', true);
    await again.durable;
    const none = await h.coalescer.stage(m1, 'u2', '👍', false);
    await none.durable;
    expect(h.writes).toHaveLength(1);
    expect(again.update.reactions).toEqual([{ emoji: '👍', count: 1, userIds: ['u1'] }]);
    expect(none.update).toEqual(again.update);
  });

  it('enforces the distinct limit per message, one command at a time', async () => {
    const h = harness({ maxDistinct: 2 });
    await h.coalescer.stage(m1, 'u1', ':a:', true);
    await h.coalescer.stage(m1, 'u2', ':b:', true);
    await expect(h.coalescer.stage(m1, 'u3', ':c:', true)).rejects.toMatchObject({
      code: 'conflict',
    });
    // An emoji already there still takes more users.
    const more = await h.coalescer.stage(m1, 'u3', ':a:', true);
    expect(more.update.reactions.map((r) => [r.emoji, r.count])).toEqual([
      [':a:', 2],
      [':b:', 1],
    ]);
  });

  it('refuses deleted and unknown messages, and stops writing one once deleted', async () => {
    const h = harness();
    await expect(h.coalescer.stage(gone, 'u1', '👍', true)).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(h.coalescer.stage('e'.repeat(24), 'u1', '👍', true)).rejects.toMatchObject({
      code: 'not_found',
    });
    await (
      await h.coalescer.stage(m1, 'u1', '👍', true)
    ).durable;
    h.coalescer.deleted(m1, 1);
    await expect(h.coalescer.stage(m1, 'u2', '👍', false)).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('answers unavailable when the write fails, and reads the message again next time', async () => {
    const h = harness({ failWrites: 1 });
    const first = await h.coalescer.stage(m1, 'u1', '👍', true);
    await expect(first.durable).rejects.toMatchObject({ code: 'unavailable' });
    expect(h.lost).toEqual([m1]);
    // The retry is not taken for a repeat: the store never had it.
    const retry = await h.coalescer.stage(m1, 'u1', '👍', true);
    await retry.durable;
    expect(h.writes).toEqual([[{ messageId: m1, reactions: [{ emoji: '👍', userIds: ['u1'] }] }]]);
  });
});
