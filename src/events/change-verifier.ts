import { Connection, mongo, Types } from 'mongoose';
import { ConversationSchema, MemberSchema } from '../conversations/conversation.schema';
import { MessageSchema } from '../messages/message.schema';
import type { ChatEventType } from './chat-events';
import type { OutboxRow, Verdict } from './relay-plan';

/**
 * Answers whether the change an event announces is stored (see change-log.ts: events are
 * prepared before their change, so the relay publishes only what it can see stored).
 * Each check is one lookup by `_id`, the only filter FerretDB serves without a full scan.
 */
export interface ChangeVerifier {
  verify(rows: readonly OutboxRow[]): Promise<Map<string, Verdict>>;
}

type Doc = mongo.Document;
type Check = (row: OutboxRow, find: Finder) => Promise<boolean>;
type Finder = (
  collection: 'messages' | 'conversations' | 'members',
  id: unknown,
) => Promise<Doc | null>;

const CONCURRENCY = 16;
const at = (value: unknown) => (value instanceof Date ? value.getTime() : NaN);
const str = (value: unknown) => (typeof value === 'string' ? value : '');
const oid = (id: string) => (/^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined);
const sameConversation = (doc: Doc | null, row: OutboxRow) =>
  String(doc?.conversationId) === row.conversationId;

const message = (row: OutboxRow, find: Finder) => {
  const id = oid(str(row.data.id));
  return id ? find('messages', id) : Promise.resolve(null);
};
const conversation = (row: OutboxRow, find: Finder) => {
  const id = oid(row.conversationId);
  return id ? find('conversations', id) : Promise.resolve(null);
};
const conversationUpdated: Check = async (row, find) =>
  at((await conversation(row, find))?.updatedAt) >= row.time.getTime();
const messageUpdated: Check = async (row, find) => {
  const doc = await message(row, find);
  return sameConversation(doc, row) && at(doc?.updatedAt) >= row.time.getTime();
};

/**
 * One check per event type; the Record makes a new type fail to compile until it has one.
 * Known limit: `updatedAt >= time` also passes when a later change of the same document
 * landed and this one failed; only a version per change would tell them apart.
 */
const CHECKS: Record<ChatEventType, Check> = {
  'chat.message.created': async (row, find) => sameConversation(await message(row, find), row),
  'chat.message.updated': messageUpdated,
  // Reactions are expected to bump the message's updatedAt like edits do.
  'chat.reaction.updated': messageUpdated,
  'chat.message.deleted': async (row, find) => {
    const doc = await message(row, find);
    return sameConversation(doc, row) && doc?.deletedAt instanceof Date;
  },
  'chat.conversation.created': async (row, find) => (await conversation(row, find)) !== null,
  'chat.conversation.updated': conversationUpdated,
  'chat.participant.added': conversationUpdated,
  'chat.participant.removed': conversationUpdated,
  'chat.conversation.deleted': async (row, find) =>
    (await conversation(row, find))?.deletedAt instanceof Date,
  // data { conversationId, userId, seq }: the member's cursor reached seq.
  'chat.receipt.read': async (row, find) => {
    const member = await find('members', `${row.conversationId}:${str(row.data.userId)}`);
    return typeof member?.readSeq === 'number' && member.readSeq >= Number(row.data.seq);
  },
  // Published by the delivery worker, never through the outbox.
  'chat.notification.requested': async () => false,
};

/** ChangeVerifier on the raw driver collections (no model registration, no mongoose docs). */
export class MongoChangeVerifier implements ChangeVerifier {
  private readonly collections: Record<Parameters<Finder>[0], mongo.Collection>;

  constructor(connection: Connection) {
    const named = (schema: { get(key: 'collection'): unknown }) =>
      connection.collection(String(schema.get('collection')));
    this.collections = {
      messages: named(MessageSchema),
      conversations: named(ConversationSchema),
      members: named(MemberSchema),
    };
  }

  async verify(rows: readonly OutboxRow[]): Promise<Map<string, Verdict>> {
    const verdicts = new Map<string, Verdict>();
    const find: Finder = (collection, id) =>
      this.collections[collection].findOne({ _id: id as never }, { projection: PROJECTION });
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++];
        const check = CHECKS[row.type as ChatEventType];
        try {
          verdicts.set(row.id, check && (await check(row, find)) ? 'stored' : 'missing');
        } catch {
          verdicts.set(row.id, 'unknown');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, rows.length) }, worker));
    return verdicts;
  }
}

const PROJECTION = { conversationId: 1, updatedAt: 1, deletedAt: 1, readSeq: 1 };
