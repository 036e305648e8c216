import pino from 'pino';
import type { Broadcaster } from '../../src/actors/broadcaster';
import { ConversationActor, type ActorDeps } from '../../src/actors/conversation-actor';
import type { Conversation } from '../../src/conversations/conversation.types';

/** A stored group as a fake ConversationRepository's findStateById answers it. */
export function storedGroup(id: string, participants: string[], lastSeq: number) {
  const now = new Date(0);
  const conversation: Conversation = {
    id,
    type: 'group',
    name: 'g',
    participants,
    admins: [participants[0]],
    createdBy: participants[0],
    lastSeq,
    lastMessageAt: now,
    lastMessage: null,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  return { conversation };
}

/**
 * An actor of `conversationId` over the given fakes of our own ports, with a writer and change
 * log that always succeed and a broadcaster that tells nobody unless given.
 */
export function fakeActor(
  conversationId: string,
  fakes: Pick<ActorDeps, 'messages' | 'conversations'> & Partial<ActorDeps>,
): ConversationActor {
  return new ConversationActor(conversationId, {
    writer: { submit: async () => undefined },
    changeLog: { prepare: async () => undefined },
    broadcaster: {
      messages: () => undefined,
      reactions: () => undefined,
    } as unknown as Broadcaster,
    logger: pino({ level: 'silent' }),
    maxBatch: 256,
    reactionMaxDistinct: 50,
    summaryIntervalMs: 0,
    ...fakes,
  });
}
