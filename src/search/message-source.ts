import { Types, type Connection } from 'mongoose';
import { Message, toMessage } from '../messages/message.types';

/**
 * What search reads from MongoDB, the truth the index follows: messages by id and which
 * conversations are still live.
 */
export const MESSAGE_SOURCE = Symbol('MESSAGE_SOURCE');

export interface MessageSource {
  /** The stored messages among `ids` (deleted ones included, as tombstones). */
  messages(ids: readonly string[]): Promise<Message[]>;
  /** Those of `ids` that exist and are not deleted. */
  liveConversations(ids: readonly string[]): Promise<Set<string>>;
}

export class MongoMessageSource implements MessageSource {
  constructor(private readonly mongo: Connection) {}

  async messages(ids: readonly string[]): Promise<Message[]> {
    if (ids.length === 0) return [];
    const docs = await this.mongo
      .collection('messages')
      .find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } })
      .toArray();
    return docs.map((d) => toMessage(d as never));
  }

  async liveConversations(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const docs = await this.mongo
      .collection('conversations')
      .find(
        { _id: { $in: ids.map((id) => new Types.ObjectId(id)) }, deletedAt: null },
        { projection: { _id: 1 } },
      )
      .toArray();
    return new Set(docs.map((d) => String(d._id)));
  }
}
