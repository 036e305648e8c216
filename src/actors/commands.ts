import type { Conversation } from '../conversations/conversation.types';
import type { AttachmentRef, Message } from '../messages/message.types';
import type { Cursors, ReceiptType } from '../receipts/receipt-state';
import type { ReactionsUpdate } from '../reactions/reaction-state';
import type { SendResult } from './conversation-actor';

/** What a send carries once the edge validated it (the sender comes from the token). */
export interface SendInput {
  content: string;
  clientMessageId?: string;
  parentId?: string;
  /** Verified and claimed by AttachmentsService before the send is dispatched. */
  attachments?: AttachmentRef[];
}

export interface ConversationChanges {
  name?: string;
  addParticipants?: string[];
  removeParticipants?: string[];
}

/**
 * Every command that must run in a conversation's actor. Plain JSON, because a node that
 * does not own the conversation forwards it to the owner (see conversation-router.ts):
 * `userId` is always the verified caller, set by the service, never read from a payload.
 */
export type ActorCommand =
  | { type: 'message:send'; conversationId: string; userId: string; input: SendInput }
  | {
      type: 'message:edit';
      conversationId: string;
      userId: string;
      messageId: string;
      content: string;
    }
  | { type: 'message:delete'; conversationId: string; userId: string; messageId: string }
  | { type: 'messages:newest'; conversationId: string; userId: string; limit: number }
  | { type: 'conversation:get'; conversationId: string; userId: string }
  | {
      type: 'conversation:update';
      conversationId: string;
      userId: string;
      changes: ConversationChanges;
    }
  | { type: 'conversation:delete'; conversationId: string; userId: string }
  | {
      /**
       * Routed by `conversationId` (the first of `cursors`): every conversation of `cursors`
       * has the same owner. Answered from the owner's actors, which load a conversation
       * they do not hold yet; a conversation left out is for the caller to read.
       */
      type: 'sync:recent';
      conversationId: string;
      userId: string;
      cursors: Record<string, number>;
    }
  | {
      /** `emoji` normalized at the edge (reactions/emoji.ts). */
      type: 'reaction:set';
      conversationId: string;
      userId: string;
      messageId: string;
      emoji: string;
      add: boolean;
    }
  | {
      type: 'receipt:mark';
      conversationId: string;
      userId: string;
      receipt: ReceiptType;
      seq: number;
    };

/** The answer of each command. Forwarded answers arrive as JSON (dates as ISO strings). */
export interface CommandResults {
  'message:send': SendResult;
  'message:edit': Message;
  'message:delete': Message;
  /** The newest page from memory, or null when memory does not hold it (read the database). */
  'messages:newest': { items: Message[]; hasMore: boolean } | null;
  'conversation:get': Conversation;
  'conversation:update': Conversation;
  'conversation:delete': Conversation;
  /**
   * What each conversation's actor holds after the cursor; a conversation is left out when
   * its actor is not loaded here or its memory does not reach back to the cursor, and is
   * `null` when the caller is not a member (the actor knows it; the cache may lag).
   */
  'sync:recent': Record<string, { messages: Message[]; hasMore: boolean } | null>;
  /** The member's cursors after the receipt (forward-only, clamped to the last seq). */
  'receipt:mark': Cursors;
  'reaction:set': ReactionsUpdate;
}

export type CommandOf<T extends ActorCommand['type']> = Extract<ActorCommand, { type: T }>;
export type ResultOf<C extends ActorCommand> = CommandResults[C['type']];

export const COMMAND_TYPES: ReadonlySet<string> = new Set<ActorCommand['type']>([
  'message:send',
  'message:edit',
  'message:delete',
  'messages:newest',
  'conversation:get',
  'conversation:update',
  'conversation:delete',
  'sync:recent',
  'receipt:mark',
  'reaction:set',
]);
