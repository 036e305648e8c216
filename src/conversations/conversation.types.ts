import type { Types } from 'mongoose';
import type { NewConversation } from './conversation.repository';
import type { ConversationDoc } from './conversation.schema';

export type ConversationType = 'private' | 'group';

export interface LastMessage {
  id: string;
  seq: number;
  senderId: string;
  preview: string | null;
  createdAt: Date;
}

/** A conversation as clients see it. */
export interface Conversation {
  id: string;
  type: ConversationType;
  name: string | null;
  participants: string[];
  admins: string[];
  createdBy: string;
  lastSeq: number;
  lastMessageAt: Date | null;
  lastMessage: LastMessage | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

/**
 * The seqs of the deleted messages of a conversation, every one from `from` on (ascending,
 * the newest DELETIONS_KEPT). With the conversation's lastSeq and a member's readSeq it gives
 * the member's unread count without reading the messages: the messages after readSeq minus
 * the deleted ones (a member's own messages are never after their readSeq: sending reads).
 */
export interface Deletions {
  seqs: number[];
  from: number;
}

export const DELETIONS_KEPT = 500;

/** A conversation as stored, with what only the server uses. */
export interface StoredConversationState {
  conversation: Conversation;
  /** Undefined for a conversation stored before deletions were recorded. */
  deletions?: Deletions;
}

/** `d` with `seq` recorded as deleted (the oldest forgotten past DELETIONS_KEPT). */
export function withDeletion(d: Deletions, seq: number): Deletions {
  if (d.seqs.includes(seq) || seq < d.from) return d;
  const seqs = [...d.seqs, seq].sort((a, b) => a - b);
  if (seqs.length <= DELETIONS_KEPT) return { seqs, from: d.from };
  const dropped = seqs.splice(0, seqs.length - DELETIONS_KEPT);
  return { seqs, from: dropped[dropped.length - 1] + 1 };
}

/** The unread count from the summary alone, or undefined when `d` does not reach `readSeq`. */
export function unreadFromSummary(
  lastSeq: number,
  readSeq: number,
  d: Deletions | undefined,
): number | undefined {
  if (readSeq >= lastSeq) return 0;
  if (!d || d.from > readSeq + 1) return undefined;
  const deleted = d.seqs.filter((s) => s > readSeq && s <= lastSeq).length;
  return Math.max(0, lastSeq - readSeq - deleted);
}

export const PREVIEW_LENGTH = 140;

export function previewOf(content: string | null): string | null {
  return content === null ? null : content.slice(0, PREVIEW_LENGTH);
}

/** A conversation as it will read once `create` stored it. */
export function newConversationView(n: NewConversation): Conversation {
  return {
    id: n.id,
    type: n.type,
    name: n.name,
    participants: n.participants,
    admins: n.admins,
    createdBy: n.createdBy,
    lastSeq: 0,
    lastMessageAt: n.now,
    lastMessage: null,
    createdAt: n.now,
    updatedAt: n.now,
    deletedAt: null,
  };
}

type StoredConversation = ConversationDoc & { createdAt: Date; updatedAt: Date };

export function toConversationState(doc: StoredConversation): StoredConversationState {
  const d = doc.deletions as { seqs?: number[]; from?: number } | null | undefined;
  return {
    conversation: toConversation(doc),
    deletions: d && typeof d.from === 'number' ? { seqs: d.seqs ?? [], from: d.from } : undefined,
  };
}

export function toConversation(doc: StoredConversation): Conversation {
  const last = doc.lastMessage as
    | {
        id: Types.ObjectId;
        seq: number;
        senderId: string;
        preview?: string | null;
        createdAt: Date;
      }
    | null
    | undefined;
  return {
    id: doc._id.toHexString(),
    type: doc.type,
    name: doc.name ?? null,
    participants: doc.participants,
    admins: doc.admins,
    createdBy: doc.createdBy,
    lastSeq: doc.lastSeq,
    lastMessageAt: doc.lastMessageAt ?? null,
    lastMessage: last
      ? {
          id: last.id.toHexString(),
          seq: last.seq,
          senderId: last.senderId,
          preview: last.preview ?? null,
          createdAt: last.createdAt,
        }
      : null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    deletedAt: doc.deletedAt ?? null,
  };
}
