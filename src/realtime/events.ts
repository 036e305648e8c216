import type { Receipt } from '../actors/broadcaster';
import { z } from 'zod';
import type { FieldIssue, ErrorCode } from '../common/chat-error';
import { objectId, seq, userId } from '../common/schemas';
import type { Conversation } from '../conversations/conversation.types';
import { clientMessageId, content, emoji, sendMessageSchema } from '../messages/message.dto';
import type { Message } from '../messages/message.types';
import type { PresenceChange, TypingChange } from '../presence/presence-broadcaster';
import type { PresenceAnswer } from '../presence/presence.service';
import type { ReactionsUpdate } from '../reactions/reaction-state';
import type { ThreadUpdate } from '../threads/thread-state';
import { SYNC_MAX_CONVERSATIONS, type SyncAnswer } from '../messages/sync.service';

/*
 * The wire of the `/chat` namespace (CONTRACT.md, Socket.IO; docs/asyncapi.yaml): one map
 * of client→server commands and one of server→client events. To add an event, add its
 * schema and a line to `Commands` (or `ServerEvents`); the socket.io generics follow.
 */

export const CHAT_NAMESPACE = '/chat';

/** Sockets must name their send: the client matches the echo to it and may retry safely. */
export const messageSendPayload = z.strictObject({
  conversationId: objectId,
  ...sendMessageSchema.shape,
  clientMessageId,
});
export const messageEditPayload = z.strictObject({
  conversationId: objectId,
  messageId: objectId,
  content,
});
export const messageDeletePayload = z.strictObject({
  conversationId: objectId,
  messageId: objectId,
});
export const reactionPayload = z.strictObject({
  conversationId: objectId,
  messageId: objectId,
  emoji,
});
export const syncPayload = z.strictObject({
  cursors: z.record(objectId, seq).refine((c) => Object.keys(c).length <= SYNC_MAX_CONVERSATIONS, {
    message: `at most ${SYNC_MAX_CONVERSATIONS} conversations per sync`,
  }),
});
export const receiptPayload = z.strictObject({ conversationId: objectId, seq });
export const typingPayload = z.strictObject({ conversationId: objectId, isTyping: z.boolean() });
export const PRESENCE_SUBSCRIBE_MAX = 500;
export const presenceSubscribePayload = z.strictObject({
  userIds: z.array(userId).max(PRESENCE_SUBSCRIBE_MAX),
});

/** Each command's payload schema and what its ack carries on success. */
export interface Commands {
  'message:send': { schema: typeof messageSendPayload; data: Message };
  'message:edit': { schema: typeof messageEditPayload; data: Message };
  'message:delete': { schema: typeof messageDeletePayload; data: Message };
  /** Idempotent: both answer the message's reactions (the `reaction:updated` payload). */
  'reaction:add': { schema: typeof reactionPayload; data: ReactionsUpdate };
  'reaction:remove': { schema: typeof reactionPayload; data: ReactionsUpdate };
  sync: { schema: typeof syncPayload; data: SyncAnswer };
  typing: { schema: typeof typingPayload; data: Record<string, never> };
  /** Forward-only and clamped to the last seq: the ack says where the cursor is now. */
  read: { schema: typeof receiptPayload; data: { readSeq: number } };
  delivered: { schema: typeof receiptPayload; data: { deliveredSeq: number } };
  /** Only users who share a conversation with the caller are answered (and subscribed to). */
  'presence:subscribe': {
    schema: typeof presenceSubscribePayload;
    data: Record<string, PresenceAnswer>;
  };
}
export type CommandName = keyof Commands;
export type CommandInput<E extends CommandName> = z.output<Commands[E]['schema']>;

export const commandSchemas: { [E in CommandName]: Commands[E]['schema'] } = {
  'message:send': messageSendPayload,
  'message:edit': messageEditPayload,
  'message:delete': messageDeletePayload,
  'reaction:add': reactionPayload,
  'reaction:remove': reactionPayload,
  sync: syncPayload,
  typing: typingPayload,
  read: receiptPayload,
  delivered: receiptPayload,
  'presence:subscribe': presenceSubscribePayload,
};

export interface WireError {
  code: ErrorCode;
  message: string;
  /** Only with `rate_limited`: when a retry may succeed. */
  retryAfterMs?: number;
  /** Only with `validation_failed`: which fields. */
  details?: FieldIssue[];
}
export type AckAnswer<T> = { ok: true; data: T } | { ok: false; error: WireError };
export type Ack<T> = (answer: AckAnswer<T>) => void;

/** Server → client events and their payloads. */
export interface ServerEvents {
  'message:new': Message;
  'message:updated': Message;
  'message:deleted': Message;
  'conversation:created': Conversation;
  'conversation:updated': Conversation;
  'conversation:deleted': Conversation;
  /** A member's read or delivered cursor moved (coalesced by the conversation's actor). */
  receipt: Receipt;
  /** A message's reactions after a coalesced write (one per write, not per command). */
  'reaction:updated': ReactionsUpdate;
  /** A thread root's summary after replies or a reply's deletion. */
  'thread:updated': ThreadUpdate;
  /** Never to the typist's own sockets; stopped by the server after a quiet spell. */
  typing: TypingChange;
  /** To the subscribers of `userId` only. */
  presence: PresenceChange;
  /** This node may have missed broadcasts (its Redis link dropped): call `sync`. */
  'sync:required': { conversationIds?: string[] };
}

export type ClientToServerEvents = {
  [E in CommandName]: (
    payload: z.input<Commands[E]['schema']>,
    ack?: Ack<Commands[E]['data']>,
  ) => void;
};
export type ServerToClientEvents = {
  [E in keyof ServerEvents]: (payload: ServerEvents[E]) => void;
};
export type InterServerEvents = Record<string, never>;
/** What the handshake middleware stores on each socket (kept serializable: fetchSockets). */
export interface SocketData {
  userId: string;
  expiresAt: number;
}

/** A value as a client decodes it from JSON: Dates arrive as ISO strings. */
export type Json<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

/** The same maps as a client sees them (socket.io-client's `Socket<Listen, Emit>`). */
export type ClientListenEvents = {
  [E in keyof ServerEvents]: (payload: Json<ServerEvents[E]>) => void;
};
export type ClientEmitEvents = {
  [E in CommandName]: (
    payload: z.input<Commands[E]['schema']>,
    ack?: Ack<Json<Commands[E]['data']>>,
  ) => void;
};
