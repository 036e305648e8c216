import type { Broadcaster } from '../actors/broadcaster';
import type { ConversationRepository } from '../conversations/conversation.repository';
import type { MessageRepository } from '../messages/message.repository';
import type { ReactionsUpdate, StoredReaction } from './reaction-state';
import { fakeActor, storedGroup } from '../../test/support/actor-fakes';

const conv = 'c'.repeat(24);
const msg = 'a'.repeat(24);
const users = Array.from(
  { length: 40 },
  (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
);

/** An actor over fakes of our own ports; the reaction write takes `writeMs`. */
function actor(writeMs: number, maxDistinct = 50) {
  const stored: StoredReaction[][] = [];
  const broadcast: ReactionsUpdate[] = [];
  let reads = 0;
  const messages = {
    page: async () => ({ items: [], hasMore: false }),
    findByClientIds: async () => [],
    reactionsOf: async () => {
      reads++;
      return { seq: 1, deleted: false, reactions: stored.at(-1) ?? [] };
    },
    saveReactions: async (_: string, rows: { reactions: StoredReaction[] }[]) => {
      await new Promise((r) => setTimeout(r, writeMs));
      stored.push(rows[0].reactions);
    },
  } as unknown as MessageRepository;
  const conversations = {
    findStateById: async () => storedGroup(conv, users, 1),
    cursorsIn: async () => new Map(),
  } as unknown as ConversationRepository;
  const a = fakeActor(conv, {
    messages,
    conversations,
    broadcaster: {
      reactions: (u: readonly ReactionsUpdate[]) => void broadcast.push(...u),
    } as Broadcaster,
    reactionMaxDistinct: maxDistinct,
  });
  return { a, stored, broadcast, reads: () => reads };
}

describe('ConversationActor reactions', () => {
  it('decides a storm off the write lane: 40 users at once become two writes, exact', async () => {
    const h = actor(30);
    const answers = await Promise.all(users.map((u) => h.a.react(u, msg, '👍', true)));
    expect(h.stored).toHaveLength(2); // the first alone, the other 39 while it was written
    expect(h.stored.at(-1)).toEqual([{ emoji: '👍', userIds: users }]);
    expect(h.reads()).toBe(1);
    // Each answer is the state right after its own command, once stored.
    expect(answers.map((x) => x.reactions[0].count)).toEqual(users.map((_, i) => i + 1));
    expect(h.broadcast.at(-1)?.reactions).toEqual([{ emoji: '👍', count: 40, userIds: users }]);
  });

  it('lets exactly one new emoji in at the limit minus one, whatever the race', async () => {
    const h = actor(10, 3);
    await h.a.react(users[0], msg, ':a:', true);
    await h.a.react(users[0], msg, ':b:', true);
    const outcomes = await Promise.allSettled(
      users.slice(0, 6).map((u, i) => h.a.react(u, msg, `:n${i}:`, true)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(
      outcomes.filter(
        (o) => o.status === 'rejected' && (o.reason as { code: string }).code === 'conflict',
      ),
    ).toHaveLength(5);
    expect(h.stored.at(-1)).toHaveLength(3);
  });

  it('answers not_found to a non-member', async () => {
    const h = actor(1);
    await expect(
      h.a.react('ffffffff-0000-4000-8000-000000000000', msg, '👍', true),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(h.stored).toEqual([]);
  });
});
