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
