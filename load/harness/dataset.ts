/**
 * D1's data set, pure: what conversations exist (the plans) and the exact documents Parley
 * would have stored for them (the builders). A plan holds counts and rules, not documents,
 * so a million messages are built one conversation at a time while they are inserted.
 *
 * The documents follow the node's own writes: a conversation as ConversationMongoRepository
 * `create` stores it with the summary its summary writes keep (lastSeq, lastMessageAt,
 * lastMessage; `deletions` empty: nothing of the data set is deleted), a member row per participant (`_id` `<conversationId>:<userId>`) whose cursors
 * only moved forward, never past lastSeq, with delivery implied by reading and the sender's
 * implicit read of everything up to their own last message, and messages as `insertBatch`
 * stores them (gap-free seqs from 1). Published outbox rows are deleted, so none remain.
 */
import { mongo } from 'mongoose';

type ObjectId = InstanceType<typeof mongo.ObjectId>;

export interface DatasetSizes {
  messages: number;
  conversations: number;
  users: number;
}

export interface Cursor {
  readSeq: number;
  deliveredSeq: number;
}

export interface ConversationPlan {
  id: string;
  type: 'private' | 'group';
  name: string | null;
  /** The creator first, as `create` stores them. */
  participants: string[];
  messages: number;
  /** Creation, first and last message instants (ms). */
  createdAt: number;
  firstAt: number;
  lastAt: number;
  /** Who sent message `seq` (1-based). */
  sender(seq: number): string;
  /** Where the member's receipts moved their cursors, before the implicit read of their sends. */
  cursor(userId: string, lastSeq: number): Cursor;
  /** The content of message `seq`. */
  content(seq: number): string;
}

/** What the operations of D1 need to know about the fixtures (the same in both databases). */
export interface Probes {
  /** P: member of the 1,000-message conversation and four small ones, the author of edits. */
  p: string;
  long: string;
  /** P's conversations (the long one first) and their last seqs. */
  pConversations: string[];
  lastSeq: Record<string, number>;
  /** Ids of P's messages among the newest 50 of the long conversation. */
  edits: string[];
  /** Members of the long conversation who never sent there, their read cursors at 0. */
  readers: string[];
  /** H: member of 50 conversations, 5 of them with unread messages. */
  hub: string;
  hubConversations: string[];
  /** K: connects and disconnects; X, a member of K's first conversation, sends to it. */
  k: string;
  x: string;
  kConversations: string[];
  /** Conversations the steady sends go to, each with its sender. */
  traffic: { conversationId: string; senderId: string }[];
}

export interface Ids {
  /** A random UUID (user ids, client message ids, group keys). */
  uuid(): string;
  /** An ObjectId made at `ms`, as `new ObjectId()` makes one at that instant. */
  objectId(ms: number): ObjectId;
}

export const ids = (randomUUID: () => string): Ids => ({
  uuid: randomUUID,
  objectId: (ms) => new mongo.ObjectId(mongo.ObjectId.generate(Math.floor(ms / 1000))),
});

// ---- random numbers (seeded: the same shape every run) ----------------------------------

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A float in [0, 1) from two integers, for per-(conversation, seq) choices without state. */
export function hash01(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 13), 0x45d9f3b);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

const WORDS = (
  'ok thanks see you tomorrow can we move the meeting to three I just pushed the fix ' +
  'did anyone look at the dashboard lunch at noon sounds good let me check and get back ' +
  'to you the build is green again please review my change when you have a minute ' +
  'where are the slides for friday I will be late by ten minutes great work everyone ' +
  'has the customer answered yet the train is delayed again happy birthday'
).split(' ');

/** Message text of 1 to 40 words (most short), as people write in chats. */
export function text(r: () => number): string {
  const n = 1 + Math.floor(r() ** 2 * 40);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]);
  return out.join(' ');
}

/** Splits `total` over `weights` in proportion, in whole numbers that sum to `total`. */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) throw new Error('allocate: the weights sum to zero');
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0; k++, left--) out[byRemainder[k % byRemainder.length][1]]++;
  return out;
}

// ---- documents --------------------------------------------------------------------------

/** conversation.types.ts PREVIEW_LENGTH: the summary keeps this much of the last message. */
const PREVIEW_LENGTH = 140;

export interface Built {
  conversation: Record<string, unknown>;
  members: Record<string, unknown>[];
  messages: Record<string, unknown>[];
  lastSeq: number;
  /** Message ids by seq (index 0 is seq 1). */
  messageIds: string[];
}

export function privateKey(a: string, b: string): string {
  return `private:${[a, b].sort().join(':')}`;
}

/** Every document Parley would hold for `plan` once its messages were sent. */
export function buildConversation(plan: ConversationPlan, id: Ids): Built {
  const conversationId = new mongo.ObjectId(plan.id);
  const createdAt = new Date(plan.createdAt);
  const n = plan.messages;
  const messages: Record<string, unknown>[] = new Array(n);
  const messageIds: string[] = new Array(n);
  const lastSent = new Map<string, number>();
  const at = (seq: number) =>
    n === 1 ? plan.lastAt : plan.firstAt + ((plan.lastAt - plan.firstAt) * (seq - 1)) / (n - 1);
  let last: { id: ObjectId; seq: number; senderId: string; content: string; at: Date } | null =
    null;
  for (let seq = 1; seq <= n; seq++) {
    const senderId = plan.sender(seq);
    if (!plan.participants.includes(senderId))
      throw new Error(`${plan.id}: sender of seq ${seq} is not a participant`);
    const when = new Date(Math.round(at(seq)));
    const _id = id.objectId(when.getTime());
    const content = plan.content(seq);
    messages[seq - 1] = {
      _id,
      conversationId,
      seq,
      senderId,
      clientMessageId: id.uuid(),
      content,
      attachments: [],
      parentId: null,
      replyCount: 0,
      reactions: [],
      editedAt: null,
      deletedAt: null,
      createdAt: when,
      updatedAt: when,
    };
    messageIds[seq - 1] = _id.toHexString();
    lastSent.set(senderId, seq);
    last = { id: _id, seq, senderId, content, at: when };
  }
  const lastSeq = n;
  const conversation = {
    _id: conversationId,
    type: plan.type,
    name: plan.name,
    participants: plan.participants,
    admins: plan.type === 'group' ? [plan.participants[0]] : [],
    createdBy: plan.participants[0],
    key:
      plan.type === 'private'
        ? privateKey(plan.participants[0], plan.participants[1])
        : `group:${id.uuid()}`,
    lastSeq,
    // A conversation sorts by its creation until it has a message.
    lastMessageAt: last ? last.at : createdAt,
    lastMessage: last && {
      id: last.id,
      seq: last.seq,
      senderId: last.senderId,
      preview: last.content.slice(0, PREVIEW_LENGTH),
      createdAt: last.at,
    },
    // No message of the data set was deleted: the record of deleted seqs (for unread counts
    // from the summary) is as `create` starts it.
    deletions: { seqs: [], from: 1 },
    deletedAt: null,
    createdAt,
    updatedAt: last ? last.at : createdAt,
  };
  const members = plan.participants.map((userId) => {
    const planned = plan.cursor(userId, lastSeq);
    const readSeq = Math.min(lastSeq, Math.max(0, planned.readSeq, lastSent.get(userId) ?? 0));
    const deliveredSeq = Math.min(lastSeq, Math.max(planned.deliveredSeq, readSeq));
    const moved = Math.max(readSeq, deliveredSeq);
    return {
      _id: `${plan.id}:${userId}`,
      conversationId,
      userId,
      readSeq,
      deliveredSeq,
      joinedAt: createdAt,
      createdAt,
      updatedAt: moved ? new Date(Math.round(at(moved))) : createdAt,
    };
  });
  return { conversation, members, messages, lastSeq, messageIds };
}
