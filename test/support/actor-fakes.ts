import pino from 'pino';
import type { ActorDeps } from '../../src/actors/conversation-actor';
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

/** An actor's dependencies: the given fakes, and a writer and change log that always succeed. */
export function actorDeps(
  fakes: Pick<ActorDeps, 'messages' | 'conversations' | 'broadcaster'> & Partial<ActorDeps>,
): ActorDeps {
  return {
    writer: { submit: async () => undefined },
    changeLog: { prepare: async () => undefined },
    logger: pino({ level: 'silent' }),
    maxBatch: 256,
    reactionMaxDistinct: 50,
    summaryIntervalMs: 0,
    ...fakes,
  };
}
