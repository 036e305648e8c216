import type { components } from './openapi.js';

/*
 * The `/chat` namespace as a client sees it (CONTRACT.md, Socket.IO; docs/asyncapi.yaml).
 * Messages and conversations are the REST document's own schemas (openapi.ts, generated);
 * the socket-only payloads are spelled here, and test/unit/client-wire.spec.ts holds them
 * equal to the server's event map.
 */

type Schemas = components['schemas'];
export type Message = Schemas['Message'];
export type Conversation = Schemas['Conversation'];
export type ConversationListItem = Schemas['ConversationListItem'];
export type ConversationDetails = Schemas['ConversationDetails'];
export type ConversationPage = Schemas['ConversationPage'];
export type MessagePage = Schemas['MessagePage'];
export type Problem = Schemas['Problem'];
/** A message's reactions: the reaction commands' answer and the `reaction:updated` payload. */
export type Reactions = Schemas['Reactions'];
export type ThreadPage = Schemas['ThreadPage'];
export type ErrorCode = Schemas['ErrorCode'];

export interface TypingEvent {
  conversationId: string;
  userId: string;
  isTyping: boolean;
}
export interface ReceiptEvent {
  conversationId: string;
  userId: string;
  type: 'read' | 'delivered';
  seq: number;
  /** ISO 8601 */
  at: string;
}
export interface ThreadEvent {
  conversationId: string;
  /** The thread root's id. */
  messageId: string;
  replyCount: number;
  /** ISO 8601; null once no reply stands. */
  lastReplyAt: string | null;
  /** The most recent distinct repliers, newest first (at most 10). */
  replyUserIds: string[];
}
export type PresenceStatus = 'online' | 'offline';
export interface PresenceEvent {
  userId: string;
  status: PresenceStatus;
  /** ISO 8601; null while online or when never seen. */
  lastSeenAt: string | null;
}
export interface PresenceState {
  status: PresenceStatus;
  lastSeenAt: string | null;
}
export type SyncAnswer = Record<string, { messages: Message[]; hasMore: boolean }>;

/** Server → client events and their payloads. */
export interface ServerEvents {
  'message:new': Message;
  'message:updated': Message;
  'message:deleted': Message;
  'conversation:created': Conversation;
  'conversation:updated': Conversation;
  'conversation:deleted': Conversation;
  receipt: ReceiptEvent;
  'reaction:updated': Reactions;
  'thread:updated': ThreadEvent;
  typing: TypingEvent;
  presence: PresenceEvent;
  'sync:required': { conversationIds?: string[] };
}

/** Client → server commands: payload and what a successful ack carries. */
export interface Commands {
  'message:send': {
    payload: {
      conversationId: string;
      content: string;
      clientMessageId: string;
      attachmentIds?: string[];
      parentId?: string;
    };
    data: Message;
  };
  'message:edit': {
    payload: { conversationId: string; messageId: string; content: string };
    data: Message;
  };
  'message:delete': { payload: { conversationId: string; messageId: string }; data: Message };
  'reaction:add': {
    payload: { conversationId: string; messageId: string; emoji: string };
    data: Reactions;
  };
  'reaction:remove': {
    payload: { conversationId: string; messageId: string; emoji: string };
    data: Reactions;
  };
  sync: { payload: { cursors: Record<string, number> }; data: SyncAnswer };
  typing: { payload: { conversationId: string; isTyping: boolean }; data: Record<string, never> };
  read: { payload: { conversationId: string; seq: number }; data: { readSeq: number } };
  delivered: { payload: { conversationId: string; seq: number }; data: { deliveredSeq: number } };
  'presence:subscribe': {
    payload: { userIds: string[] };
    data: Record<string, PresenceState>;
  };
}
export type CommandName = keyof Commands;

export interface WireError {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
  details?: { path: string; message: string }[];
}
export type AckAnswer<T> = { ok: true; data: T } | { ok: false; error: WireError };

/** Limits of the server (CONTRACT.md): conversations per `sync`, users per subscribe. */
export const SYNC_MAX_CONVERSATIONS = 100;
export const PRESENCE_SUBSCRIBE_MAX = 500;
