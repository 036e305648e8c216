import type { ParleyError } from './errors.js';
import type { GetToken } from './token.js';
import type { Conversation, Message, PresenceEvent, ReceiptEvent, TypingEvent } from './wire.js';

export interface ConnectOptions {
  /** The service's base URL (`https://chat.example.com`): REST and Socket.IO `/chat`. */
  url: string;
  /** Called for the first token, before a token expires, and after `unauthorized`. */
  getToken: GetToken;
  /** Where to resume: the last seq seen per conversation (from `client.cursors()`). */
  cursors?: Record<string, number>;
  /** Default `['websocket']` (long-polling needs sticky sessions behind a balancer). */
  transports?: ('websocket' | 'polling')[];
  /** How long to wait for a command's ack before retrying it (default 10 s). */
  ackTimeoutMs?: number;
  /** Fetch a fresh token this long before expiry (default 60 s, at most half its lifetime). */
  tokenRefreshMarginMs?: number;
  /** First and longest wait between two attempts of a send or a connect (250 ms, 5 s). */
  retryDelayMs?: number;
  retryDelayMaxMs?: number;
  /** A gap is synced after this grace, unless live delivery filled it first (250 ms). */
  gapGraceMs?: number;
  /** At most one `isTyping: true` per throttle (2 s); stopped after this much quiet (3 s). */
  typingThrottleMs?: number;
  typingIdleMs?: number;
  /** Receipts are coalesced for this long (250 ms). */
  receiptDelayMs?: number;
  /** Acknowledge delivery of others' messages as they are handed over (default true). */
  autoDelivered?: boolean;
  /** For environments without a global fetch, or to add headers. */
  fetch?: typeof fetch;
}

/** A send not yet stored. `attempts` counts the tries so far (retries reuse the id). */
export interface PendingMessage {
  conversationId: string;
  clientMessageId: string;
  content: string;
  parentId?: string;
  attempts: number;
}

/** What the client knows of one conversation. */
export interface ConversationState {
  /** The last seq handed to the application: everything up to it was delivered, in order. */
  lastSeq: number;
  /** Sends not yet stored, in the order they will be stored. */
  pending: PendingMessage[];
}

/**
 * - `connecting`: no connection yet, or it dropped and is being re-made.
 * - `live`: connected, in every room, and caught up (the connect's sync answered).
 * - `closed`: `close()` was called.
 */
export type ClientStatus = 'connecting' | 'live' | 'closed';

export interface ParleyEvents {
  /** Each message once, in seq order per conversation, from live delivery or sync. */
  message: Message;
  'message:updated': Message;
  'message:deleted': Message;
  'conversation:created': Conversation;
  'conversation:updated': Conversation;
  'conversation:deleted': Conversation;
  typing: TypingEvent;
  receipt: ReceiptEvent;
  presence: PresenceEvent;
  /** A send was queued; it leaves `pending` when stored (its promise resolves) or refused. */
  pending: PendingMessage;
  'pending:failed': { pending: PendingMessage; error: ParleyError };
  /** A send attempt failed with a temporary error; it is tried again with the same id. */
  'pending:retry': { pending: PendingMessage; error: ParleyError };
  /** A sync of this conversation caught up to `lastSeq`. */
  synced: { conversationId: string; lastSeq: number };
  status: { status: ClientStatus; reason?: string };
  /** A refused handshake or a failed sync (the client keeps retrying). */
  error: ParleyError;
}
