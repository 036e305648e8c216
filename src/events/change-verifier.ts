import { Connection, mongo, Types } from 'mongoose';
import { ConversationSchema, MemberSchema } from '../conversations/conversation.schema';
import { MessageSchema } from '../messages/message.schema';
import type { ChatEventType } from './chat-events';
import type { OutboxRow, Verdict } from './relay-plan';

/**
 * Answers whether the change an event announces is stored (see change-log.ts: events are
 * prepared before their change, so the relay publishes only what it can see stored).
 */
export interface ChangeVerifier {
  verify(rows: readonly OutboxRow[]): Promise<Map<string, Verdict>>;
}

type Doc = mongo.Document;
type CollectionName = 'messages' | 'conversations' | 'members';

/** Which document shows an event's change, and whether that document shows it. */
interface Check {
  target(row: OutboxRow): { collection: CollectionName; id: Types.ObjectId | string } | undefined;
  stored(row: OutboxRow, doc: Doc | undefined): boolean;
}

const at = (value: unknown) => (value instanceof Date ? value.getTime() : NaN);
const str = (value: unknown) => (typeof value === 'string' ? value : '');
const oid = (id: string) => (/^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined);
const sameConversation = (doc: Doc | undefined, row: OutboxRow) =>
  String(doc?.conversationId) === row.conversationId;

const inMessage = (stored: Check['stored'], key = 'id'): Check => ({
  target: (row) => {
    const id = oid(str(row.data[key]));
    return id && { collection: 'messages', id };
  },
  stored: (row, doc) => sameConversation(doc, row) && stored(row, doc),
});
const inConversation = (stored: Check['stored']): Check => ({
  target: (row) => {
    const id = oid(row.conversationId);
    return id && { collection: 'conversations', id };
  },
  stored,
});
const updatedSince = (row: OutboxRow, doc: Doc | undefined) =>
  at(doc?.updatedAt) >= row.time.getTime();

const CHECKS: Record<ChatEventType, Check | undefined> = {
  'chat.message.created': inMessage(() => true),
  'chat.message.updated': inMessage(updatedSince),
  'chat.reaction.updated': inMessage(updatedSince, 'messageId'),
  'chat.message.deleted': inMessage((_, doc) => doc?.deletedAt instanceof Date),
  'chat.conversation.created': inConversation((_, doc) => doc !== undefined),
  'chat.conversation.updated': inConversation(updatedSince),
  'chat.participant.added': inConversation(updatedSince),
  'chat.participant.removed': inConversation(updatedSince),
  'chat.conversation.deleted': inConversation((_, doc) => doc?.deletedAt instanceof Date),
  'chat.receipt.read': {
    target: (row) => ({
      collection: 'members',
      id: `${row.conversationId}:${str(row.data.userId)}`,
    }),
    stored: (row, doc) => typeof doc?.readSeq === 'number' && doc.readSeq >= Number(row.data.seq),
  },
  // Published by the delivery worker, never through the outbox.
  'chat.notification.requested': undefined,
};

const PROJECTION = { conversationId: 1, updatedAt: 1, deletedAt: 1, readSeq: 1 };

/** Lookups by `_id` in flight per collection (three collections: a share of the pool of 100). */
const LOOKUPS = 16;

async function pointReads(
  coll: mongo.Collection,
  ids: (Types.ObjectId | string)[],
): Promise<Doc[]> {
  const found: Doc[] = [];
  for (let i = 0; i < ids.length; i += LOOKUPS) {
    const docs = await Promise.all(
      ids
        .slice(i, i + LOOKUPS)
        .map((id) => coll.findOne({ _id: id } as never, { projection: PROJECTION })),
    );
    for (const d of docs) if (d) found.push(d);
  }
  return found;
}

/**
 * Checks a batch by reading its documents by `_id`, the filter FerretDB pushes down to its
 * index, LOOKUPS at a time. Never one `_id: { $in }`: FerretDB v1 scans the whole collection
 * for it, so its cost grows with the collection, not the batch (measured on 100,000 messages:
 * `$in` of 40 ids 12 s, 40 lookups 0.1 s; a relay at 200 events/s has rounds of about 40).
 * On MongoDB both are index reads. A read that fails leaves its events `unknown`, never
 * `missing`.
 */
export class MongoChangeVerifier implements ChangeVerifier {
  private readonly collections: Record<CollectionName, mongo.Collection>;

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
    const wanted = new Map<CollectionName, Map<string, Types.ObjectId | string>>();
    for (const row of rows) {
      const target = CHECKS[row.type as ChatEventType]?.target(row);
      if (!target) verdicts.set(row.id, 'missing');
      else {
        const ids = wanted.get(target.collection) ?? new Map();
        ids.set(String(target.id), target.id);
        wanted.set(target.collection, ids);
      }
    }
    const found = new Map<CollectionName, Map<string, Doc> | undefined>();
    await Promise.all(
      [...wanted].map(async ([collection, ids]) => {
        const coll = this.collections[collection];
        const docs = await pointReads(coll, [...ids.values()]).catch(() => undefined);
        found.set(collection, docs && new Map(docs.map((d) => [String(d._id), d])));
      }),
    );
    for (const row of rows) {
      if (verdicts.has(row.id)) continue;
      const check = CHECKS[row.type as ChatEventType]!;
      const target = check.target(row)!;
      const docs = found.get(target.collection);
      if (!docs) verdicts.set(row.id, 'unknown');
      else
        verdicts.set(row.id, check.stored(row, docs.get(String(target.id))) ? 'stored' : 'missing');
    }
    return verdicts;
  }
}
