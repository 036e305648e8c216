import { ChatError } from '../common/chat-error';
import { Conversation, Deletions, previewOf } from '../conversations/conversation.types';
import type { AttachmentRef, Message } from '../messages/message.types';
import { ThreadSummary, withReplies } from '../threads/thread-state';

/**
 * The pure state of one conversation's actor and its transitions. No I/O: the actor
 * (conversation-actor.ts) loads state, runs these functions, performs the effects they
 * describe and commits the result only after the database accepted it.
 */
export interface ConversationState {
  conversation: Conversation;
  /** Highest stored seq. Moves only in commitSends, i.e. after the insert succeeded. */
  lastSeq: number;
  /** The newest messages, ascending by seq, a contiguous suffix of the history. */
  recent: Message[];
  /** Recent sends by `dedupeKey`, to answer a retried send without touching the database. */
  dedupe: Map<string, Message>;
  /** The deleted seqs, for unread counts (undefined for conversations stored before them). */
  deletions?: Deletions;
}

export const RECENT_LIMIT = 100;
export const DEDUPE_LIMIT = 5000;

export interface SendRequest {
  senderId: string;
  content: string;
  /** Absent when the client gave none; the planner then makes one up (see message.schema.ts). */
  clientMessageId?: string;
  attachments: AttachmentRef[];
  parentId: string | null;
}

/** What the actor learned from the database about the parents a batch replies to. */
export type ParentInfo = ThreadSummary & { seq: number; parentId: string | null; deleted: boolean };

export type PlannedSend =
  | { kind: 'new'; message: Message }
  | { kind: 'duplicate'; message: Message }
  | { kind: 'rejected'; error: ChatError };

export interface SendContext {
  now: Date;
  newId: () => string;
  newClientMessageId: () => string;
  parents: ReadonlyMap<string, ParentInfo>;
  /**
   * Parents that are messages of other conversations, with the senders of the batch who may
   * see them (members there): they are told `validation_failed`, everyone else `not_found`.
   */
  elsewhere?: ReadonlyMap<string, ReadonlySet<string>>;
}

export const dedupeKey = (senderId: string, clientMessageId: string) =>
  `${senderId}\u0000${clientMessageId}`;

export function isMember(state: ConversationState, userId: string): boolean {
  return !state.conversation.deletedAt && state.conversation.participants.includes(userId);
}

export function isAdmin(state: ConversationState, userId: string): boolean {
  return state.conversation.admins.includes(userId);
}

/**
 * Assigns seqs to a batch of sends in mailbox order. Non-members are refused as not_found
 * (existence does not leak); retries of a stored send and repeats inside the batch are
 * answered with the original message and take no seq.
 */
export function planSends(
  state: ConversationState,
  requests: readonly SendRequest[],
  ctx: SendContext,
): { planned: PlannedSend[]; toInsert: Message[] } {
  const planned: PlannedSend[] = [];
  const toInsert: Message[] = [];
  const inBatch = new Map<string, Message>();
  let seq = state.lastSeq;

  for (const req of requests) {
    if (!isMember(state, req.senderId)) {
      planned.push({
        kind: 'rejected',
        error: new ChatError('not_found', 'conversation not found'),
      });
      continue;
    }
    const key = req.clientMessageId && dedupeKey(req.senderId, req.clientMessageId);
    const earlier = key ? (state.dedupe.get(key) ?? inBatch.get(key)) : undefined;
    if (earlier) {
      planned.push({ kind: 'duplicate', message: earlier });
      continue;
    }
    if (req.parentId) {
      const parent = ctx.parents.get(req.parentId);
      if (!parent && !ctx.elsewhere?.get(req.parentId)?.has(req.senderId)) {
        planned.push({ kind: 'rejected', error: ChatError.notFound('parent message') });
        continue;
      }
      const problem = !parent
        ? 'parentId names a message of another conversation'
        : parent.parentId
          ? 'parentId must be a top-level message (threads are one level deep)'
          : parent.deleted
            ? 'parentId names a deleted message'
            : undefined;
      if (problem) {
        planned.push({ kind: 'rejected', error: new ChatError('validation_failed', problem) });
        continue;
      }
    }
    const message: Message = {
      id: ctx.newId(),
      conversationId: state.conversation.id,
      seq: ++seq,
      senderId: req.senderId,
      content: req.content,
      attachments: req.attachments,
      parentId: req.parentId,
      replyCount: 0,
      lastReplyAt: null,
      replyUserIds: [],
      reactions: [],
      createdAt: ctx.now,
      updatedAt: ctx.now,
      editedAt: null,
      deletedAt: null,
      deliveredTo: [],
      readBy: [],
      clientMessageId: req.clientMessageId ?? ctx.newClientMessageId(),
    };
    if (key) inBatch.set(key, message);
    planned.push({ kind: 'new', message });
    toInsert.push(message);
  }
  return { planned, toInsert };
}

/** The state once `stored` (a contiguous run after lastSeq) is durable. */
export function commitSends(
  state: ConversationState,
  stored: readonly Message[],
): ConversationState {
  if (stored.length === 0) return state;
  const last = stored[stored.length - 1];
  if (stored[0].seq !== state.lastSeq + 1 || last.seq !== state.lastSeq + stored.length) {
    throw new Error(
      `commitSends: seqs ${stored[0].seq}..${last.seq} do not follow ${state.lastSeq}`,
    );
  }
  const recent = [...state.recent, ...stored].slice(-RECENT_LIMIT);
  const dedupe = new Map(state.dedupe);
  for (const m of stored) dedupe.set(dedupeKey(m.senderId, m.clientMessageId), m);
  while (dedupe.size > DEDUPE_LIMIT) dedupe.delete(dedupe.keys().next().value!);

  return {
    ...state,
    conversation: {
      ...state.conversation,
      lastSeq: last.seq,
      lastMessageAt: last.createdAt,
      lastMessage: {
        id: last.id,
        seq: last.seq,
        senderId: last.senderId,
        preview: previewOf(last.content),
        createdAt: last.createdAt,
      },
    },
    lastSeq: last.seq,
    recent,
    dedupe,
  };
}

/** The summaries of the roots `stored` replies to, once they are (from `parents`' summaries). */
export function planThreads(
  parents: ReadonlyMap<string, ParentInfo>,
  stored: readonly Message[],
): Map<string, ThreadSummary> {
  const replies = new Map<string, Message[]>();
  for (const m of stored) {
    if (m.parentId) replies.set(m.parentId, [...(replies.get(m.parentId) ?? []), m]);
  }
  const out = new Map<string, ThreadSummary>();
  for (const [rootId, list] of replies) out.set(rootId, withReplies(parents.get(rootId)!, list));
  return out;
}

/** Thread roots held in `recent` take their new summaries. */
export function withThreads(
  state: ConversationState,
  summaries: ReadonlyMap<string, ThreadSummary>,
): ConversationState {
  if (summaries.size === 0) return state;
  const recent = state.recent.map((m) => {
    const s = summaries.get(m.id);
    return s
      ? { ...m, replyCount: s.replyCount, lastReplyAt: s.lastReplyAt, replyUserIds: s.replyUserIds }
      : m;
  });
  return { ...state, recent };
}

/** Checks an edit; the caller loads `target` (from `recent` or the database). */
export function planEdit(
  state: ConversationState,
  userId: string,
  target: Message | undefined,
  content: string,
  now: Date,
): Message {
  if (!isMember(state, userId) || !target) throw new ChatError('not_found', 'message not found');
  if (target.senderId !== userId)
    throw new ChatError('forbidden', 'only the sender can edit a message');
  if (target.deletedAt) throw new ChatError('conflict', 'a deleted message cannot be edited');
  return { ...target, content, editedAt: now, updatedAt: now };
}

/** Checks a delete: the sender, or an admin of a group. Deleting a tombstone changes nothing. */
export function planDelete(
  state: ConversationState,
  userId: string,
  target: Message | undefined,
  now: Date,
): Message {
  if (!isMember(state, userId) || !target) throw new ChatError('not_found', 'message not found');
  const groupAdmin = state.conversation.type === 'group' && isAdmin(state, userId);
  if (target.senderId !== userId && !groupAdmin) {
    throw new ChatError('forbidden', 'only the sender or a group admin can delete a message');
  }
  if (target.deletedAt) return target;
  return {
    ...target,
    content: null,
    attachments: [],
    reactions: [],
    deletedAt: now,
    updatedAt: now,
  };
}

/** Replaces a message held in `recent` (and the preview when it is the last one). */
export function replaceMessage(state: ConversationState, message: Message): ConversationState {
  const recent = state.recent.map((m) => (m.id === message.id ? message : m));
  const lastMessage =
    state.conversation.lastMessage?.id === message.id
      ? { ...state.conversation.lastMessage, preview: previewOf(message.content) }
      : state.conversation.lastMessage;
  return { ...state, recent, conversation: { ...state.conversation, lastMessage } };
}
