import type { Conversation } from '../conversations/conversation.types';
import type { Message } from '../messages/message.types';
import type { ReactionsUpdate } from '../reactions/reaction-state';

export const TOPICS = {
  messages: 'chat.messages.v1',
  conversations: 'chat.conversations.v1',
  receipts: 'chat.receipts.v1',
  notifications: 'chat.notifications.v1',
} as const;

export type ChatEventType =
  | 'chat.message.created'
  | 'chat.message.updated'
  | 'chat.message.deleted'
  | 'chat.reaction.updated'
  | 'chat.conversation.created'
  | 'chat.conversation.updated'
  | 'chat.conversation.deleted'
  | 'chat.participant.added'
  | 'chat.participant.removed'
  | 'chat.receipt.read'
  | 'chat.notification.requested';

/**
 * One durable change as other services will see it (the CloudEvent's `data` and what the
 * relay needs to route and check it). `id` is stable: a retry of the same change makes the
 * same id, so consumers can deduplicate.
 */
export interface ChatEvent {
  id: string;
  type: ChatEventType;
  topic: (typeof TOPICS)[keyof typeof TOPICS];
  /** The Kafka key and CloudEvent subject: order holds per conversation. */
  conversationId: string;
  time: Date;
  data: Record<string, unknown>;
  /**
   * A new message's recipients as of its send (the participants but the sender), carried
   * for the delivery job when the conversation is small enough (see `sendRecipients`).
   * Parley's own routing: kept in the outbox row, never published (not part of `data`).
   */
  recipients?: readonly string[];
}

const event = (
  type: ChatEventType,
  topic: ChatEvent['topic'],
  id: string,
  conversationId: string,
  time: Date,
  data: Record<string, unknown>,
): ChatEvent => ({ id: `${type}:${id}`, type, topic, conversationId, time, data });

export const messageCreated = (m: Message, recipients?: readonly string[]): ChatEvent => ({
  ...event('chat.message.created', TOPICS.messages, m.id, m.conversationId, m.createdAt, { ...m }),
  ...(recipients ? { recipients } : {}),
});

/**
 * Who a new message notifies, as the owning actor knows it at send time: the participants
 * but the sender, for conversations of at most `max` recipients; undefined for bigger ones
 * (their delivery job reads the conversation) and when `max` is 0.
 */
export function sendRecipients(
  participants: readonly string[],
  senderId: string,
  max: number,
): string[] | undefined {
  if (max <= 0 || participants.length > max + 1) return undefined;
  const recipients = participants.filter((u) => u !== senderId);
  return recipients.length <= max ? recipients : undefined;
}

/** The events of a batch of new messages, with their recipients (see `sendRecipients`). */
export const messagesCreated = (
  messages: readonly Message[],
  conversation: Pick<Conversation, 'participants'>,
  recipientsMax = 0,
): ChatEvent[] =>
  messages.map((m) =>
    messageCreated(m, sendRecipients(conversation.participants, m.senderId, recipientsMax)),
  );

export const messageUpdated = (m: Message) =>
  event(
    'chat.message.updated',
    TOPICS.messages,
    `${m.id}:${m.updatedAt.getTime()}`,
    m.conversationId,
    m.updatedAt,
    {
      ...m,
    },
  );

/** A deletion never carries what was deleted. */
export const messageDeleted = (m: Message) =>
  event(
    'chat.message.deleted',
    TOPICS.messages,
    m.id,
    m.conversationId,
    m.deletedAt ?? m.updatedAt,
    {
      id: m.id,
      conversationId: m.conversationId,
      seq: m.seq,
      senderId: m.senderId,
      deletedAt: m.deletedAt,
    },
  );

/**
 * A message's reactions after a coalesced write (one event for every change staged since the
 * previous write). `seq` is the message's; `id` is made once per write.
 */
export const reactionUpdated = (u: ReactionsUpdate, seq: number, at: Date, writeId: string) =>
  event(
    'chat.reaction.updated',
    TOPICS.messages,
    `${u.messageId}:${writeId}`,
    u.conversationId,
    at,
    {
      conversationId: u.conversationId,
      messageId: u.messageId,
      seq,
      reactions: u.reactions,
      updatedAt: at,
    },
  );

export const conversationCreated = (c: Conversation) =>
  event('chat.conversation.created', TOPICS.conversations, c.id, c.id, c.createdAt, { ...c });

export const conversationUpdated = (c: Conversation) =>
  event(
    'chat.conversation.updated',
    TOPICS.conversations,
    `${c.id}:${c.updatedAt.getTime()}`,
    c.id,
    c.updatedAt,
    {
      ...c,
    },
  );

export const conversationDeleted = (c: Conversation) =>
  event('chat.conversation.deleted', TOPICS.conversations, c.id, c.id, c.deletedAt ?? c.updatedAt, {
    id: c.id,
    type: c.type,
    deletedAt: c.deletedAt,
  });

export const participantsChanged = (
  c: Conversation,
  change: { added: readonly string[]; removed: readonly string[] },
): ChatEvent[] => {
  const participant = (type: ChatEventType, userId: string) =>
    event(
      type,
      TOPICS.conversations,
      `${c.id}:${userId}:${c.updatedAt.getTime()}`,
      c.id,
      c.updatedAt,
      {
        conversationId: c.id,
        userId,
      },
    );
  return [
    ...change.added.map((userId) => participant('chat.participant.added', userId)),
    ...change.removed.map((userId) => participant('chat.participant.removed', userId)),
  ];
};

/** A member read up to `seq` (the read cursor; delivery is not published). */
export const receiptRead = (conversationId: string, userId: string, seq: number, at: Date) =>
  event(
    'chat.receipt.read',
    TOPICS.receipts,
    `${conversationId}:${userId}:${seq}`,
    conversationId,
    at,
    {
      conversationId,
      userId,
      seq,
      at,
    },
  );

/** What a notification needs to know about the message that caused it. */
export interface NotifiedMessage {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  createdAt: Date;
}

/**
 * A recipient with no live socket should be notified of a message (published by the delivery
 * worker, not through the outbox). One per (message, recipient) and built only from the
 * stored message, so a re-run makes the same id, time and data: consumers deduplicate by id.
 */
export const notificationRequested = (
  m: NotifiedMessage,
  userId: string,
  preview: string | null,
): ChatEvent =>
  event(
    'chat.notification.requested',
    TOPICS.notifications,
    `${m.id}:${userId}`,
    m.conversationId,
    m.createdAt,
    {
      userId,
      conversationId: m.conversationId,
      messageId: m.id,
      seq: m.seq,
      senderId: m.senderId,
      preview,
    },
  );
