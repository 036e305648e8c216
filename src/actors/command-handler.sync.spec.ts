import type { AppConfig } from '../config/app-config';
import type { ConversationRepository } from '../conversations/conversation.repository';
import type { ChangeLog } from '../events/change-log';
import type { MessageRepository } from '../messages/message.repository';
import type { Message } from '../messages/message.types';
import { fakeActor, storedGroup } from '../../test/support/actor-fakes';
import { aMessage } from '../../test/support/message-fixture';
import type { ActorRegistry } from './actor-registry';
import type { Broadcaster } from './broadcaster';
import { CommandHandler } from './command-handler';
import type { ConversationActor } from './conversation-actor';

const conv = 'c'.repeat(24);
const members = Array.from(
  { length: 10 },
  (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
);
const outsider = '00000000-0000-4000-8000-999999999999';

/** A handler over a registry of fake actors whose message store counts its page reads. */
function handler(history: Message[]) {
  let pageReads = 0;
  const messages = {
    page: async () => {
      pageReads++;
      return { items: history, hasMore: false };
    },
    findByClientIds: async () => [],
  } as unknown as MessageRepository;
  const conversations = {
    findStateById: async () => storedGroup(conv, members, history.length),
    cursorsIn: async () => new Map(),
  } as unknown as ConversationRepository;
  const actors = new Map<string, ConversationActor>();
  const registry = {
    peek: (id: string) => actors.get(id),
    get: (id: string) => {
      if (!actors.has(id)) actors.set(id, fakeActor(id, { messages, conversations }));
      return actors.get(id)!;
    },
  } as unknown as ActorRegistry;
  const h = new CommandHandler(
    {} as AppConfig,
    registry,
    conversations,
    {} as Broadcaster,
    {} as ChangeLog,
  );
  const sync = (userId: string, cursor: number) =>
    h.execute({ type: 'sync:recent', conversationId: conv, userId, cursors: { [conv]: cursor } });
  return { sync, reads: () => pageReads };
}

const history = Array.from({ length: 5 }, (_, i) =>
  aMessage({
    id: String(i + 1).padStart(24, '0'),
    conversationId: conv,
    seq: i + 1,
    senderId: members[0],
  }),
);

describe('CommandHandler sync:recent', () => {
  it('loads a conversation it does not hold once, then answers every member from memory', async () => {
    const { sync, reads } = handler(history);
    const answers = await Promise.all(members.map((u, i) => sync(u, i % 5)));
    expect(reads()).toBe(1);
    answers.forEach((a, i) =>
      expect(a[conv]?.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5].slice(i % 5)),
    );
  });

  it('tells a non-member nothing, and answers a cursor at the end with no messages', async () => {
    const { sync } = handler(history);
    expect(await sync(outsider, 0)).toEqual({ [conv]: null });
    expect(await sync(members[1], 5)).toEqual({ [conv]: { messages: [], hasMore: false } });
  });
});
