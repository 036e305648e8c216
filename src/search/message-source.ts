import { Types, type Connection } from 'mongoose';
import { Message, toMessage } from '../messages/message.types';

/**
 * What search reads from MongoDB, the truth the index follows: messages by id and which
 * conversations are still live.
 */
/** Lookups in flight per batch (a share of the driver's pool of 100). */
const LOOKUPS = 50;

export const MESSAGE_SOURCE = Symbol('MESSAGE_SOURCE');

export interface MessageSource {
  /** The stored messages among `ids` (deleted ones included, as tombstones). */
  messages(ids: readonly string[]): Promise<Message[]>;
  /** Those of `ids` that exist and are not deleted. */
  liveConversations(ids: readonly string[]): Promise<Set<string>>;
}

export class MongoMessageSource implements MessageSource {
  constructor(private readonly mongo: Connection) {}

  /**
   * One `_id` lookup per message, LOOKUPS at a time, rather than one `$in`: FerretDB v1 pushes
   * an `_id` equality down to its index but scans the collection for `$in` (measured on 100,000
   * messages: `$in` of 50 ids 17 s, 500 lookups 1.1 s). MongoDB answers either from its index.
   */
  async messages(ids: readonly string[]): Promise<Message[]> {
    const collection = this.mongo.collection('messages');
    const found: Message[] = [];
    for (let i = 0; i < ids.length; i += LOOKUPS) {
      const docs = await Promise.all(
        ids.slice(i, i + LOOKUPS).map((id) => collection.findOne({ _id: new Types.ObjectId(id) })),
      );
      for (const d of docs) if (d) found.push(toMessage(d as never));
    }
    return found;
  }

  /** By `_id` too, one lookup per conversation: a `$in` would scan every conversation. */
  async liveConversations(ids: readonly string[]): Promise<Set<string>> {
    const collection = this.mongo.collection('conversations');
    const live = new Set<string>();
    for (let i = 0; i < ids.length; i += LOOKUPS) {
      const docs = await Promise.all(
        ids
          .slice(i, i + LOOKUPS)
          .map((id) =>
            collection.findOne(
              { _id: new Types.ObjectId(id) },
              { projection: { _id: 1, deletedAt: 1 } },
            ),
          ),
      );
      for (const d of docs) if (d && d.deletedAt == null) live.add(String(d._id));
    }
    return live;
  }
}
