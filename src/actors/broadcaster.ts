import type { Conversation } from '../conversations/conversation.types';
import type { Message } from '../messages/message.types';
import type { ReactionsUpdate } from '../reactions/reaction-state';
import type { ThreadUpdate } from '../threads/thread-state';

export const BROADCASTER = Symbol('BROADCASTER');

export type MessageEvent = 'message:new' | 'message:updated' | 'message:deleted';
export type ConversationEvent =
  'conversation:created' | 'conversation:updated' | 'conversation:deleted';

/** A member's cursor moved (the `receipt` event). */
export interface Receipt {
  conversationId: string;
  userId: string;
  type: 'read' | 'delivered';
  seq: number;
  at: Date;
}

/** Who joined or left a conversation in one change. */
export interface MembershipChange {
  added: readonly string[];
  removed: readonly string[];
}

/**
 * Tells connected clients what changed. The domain calls it only after the change is
 * durable; the realtime edge implements it (src/realtime).
 *
 * Ordering: calls for one conversation are made by its owning actor, one at a time, in the
 * order the changes were stored; an implementation must deliver them to every client in that
 * order. Delivery is best effort (a client that misses one detects the seq gap and calls
 * `sync`), so the methods never throw and never wait on the network.
 */
export interface Broadcaster {
  /** `messages` are consecutive by seq for message:new. */
  messages(event: MessageEvent, conversationId: string, messages: readonly Message[]): void;
  /**
   * Keeps each participant's sockets in the conversation's room on every node (join the
   * added, or everyone on create; leave the removed, or everyone on delete) and tells
   * them, removed members included.
   */
  conversation(
    event: ConversationEvent,
    conversation: Conversation,
    change?: MembershipChange,
  ): void;
  /** Cursor moves of one conversation, to its room (coalesced by its actor). */
  receipts(conversationId: string, receipts: readonly Receipt[]): void;
  /** Messages' reactions after a coalesced write (`reaction:updated`), to their rooms. */
  reactions(updates: readonly ReactionsUpdate[]): void;
  /** Thread roots' summaries after replies or reply deletions (`thread:updated`). */
  threads(updates: readonly ThreadUpdate[]): void;
}
