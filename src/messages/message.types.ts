import type { Types } from 'mongoose';
import { USER_IDS_ON_WIRE } from '../reactions/reaction-state';
import type { MessageDoc } from './message.schema';

export interface AttachmentRef {
  id: string;
  fileName: string;
  fileType: string;
  fileSize: number;
  /** Known for images once the attachment job measured them. */
  width?: number;
  height?: number;
}

export interface Reaction {
  emoji: string;
  count: number;
  userIds: string[];
}

/** A message as every client sees it (REST bodies, socket payloads, sync pages). */
export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  content: string | null;
  attachments: AttachmentRef[];
  parentId: string | null;
  /** A thread root's summary (threads/thread-state.ts); zero, null and empty elsewhere. */
  replyCount: number;
  lastReplyAt: Date | null;
  replyUserIds: string[];
  /** Exact counts; at most USER_IDS_ON_WIRE users listed per emoji. */
  reactions: Reaction[];
  createdAt: Date;
  updatedAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  /** Members but the sender whose delivered / read cursor reached `seq` (never stored). */
  deliveredTo: string[];
  readBy: string[];
  clientMessageId: string;
}

type StoredMessage = Omit<MessageDoc, 'attachments' | 'reactions'> & {
  _id: Types.ObjectId;
  attachments: {
    id: Types.ObjectId;
    fileName: string;
    fileType: string;
    fileSize: number;
    width?: number | null;
    height?: number | null;
  }[];
  reactions: { emoji: string; userIds: string[] }[];
  createdAt: Date;
  updatedAt: Date;
};

export function toMessage(doc: StoredMessage): Message {
  return {
    id: doc._id.toHexString(),
    conversationId: doc.conversationId.toHexString(),
    seq: doc.seq,
    senderId: doc.senderId,
    content: doc.content ?? null,
    attachments: (doc.attachments ?? []).map((a) => ({
      id: a.id.toHexString(),
      fileName: a.fileName,
      fileType: a.fileType,
      fileSize: a.fileSize,
      ...(a.width != null && a.height != null ? { width: a.width, height: a.height } : {}),
    })),
    parentId: doc.parentId ? doc.parentId.toHexString() : null,
    replyCount: doc.replyCount ?? 0,
    lastReplyAt: doc.lastReplyAt ?? null,
    replyUserIds: doc.replyUserIds ?? [],
    reactions: (doc.reactions ?? []).map((r) => ({
      emoji: r.emoji,
      count: r.userIds.length,
      userIds: r.userIds.slice(0, USER_IDS_ON_WIRE),
    })),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    editedAt: doc.editedAt ?? null,
    deletedAt: doc.deletedAt ?? null,
    // Derived from the members' cursors where messages are served (receipt-state.ts).
    deliveredTo: [],
    readBy: [],
    clientMessageId: doc.clientMessageId,
  };
}
