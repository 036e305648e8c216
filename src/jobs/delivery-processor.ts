import { Connection, mongo, Types } from 'mongoose';
import { Counter, Registry } from 'prom-client';
import { ConversationSchema } from '../conversations/conversation.schema';
import { previewOf } from '../conversations/conversation.types';
import { notificationRequested } from '../events/chat-events';
import type { EventPublisher } from '../events/event-publisher';
import { MessageSchema } from '../messages/message.schema';
import type { DeliveryJob } from './delivery-queue';
import type { NotificationLedger } from './notification-ledger';
import type { PresenceReader } from './presence-reader';

/**
 * The effect of one delivery job: a `chat.notification.requested` event for each recipient
 * (participants but the sender) with no live socket.
 *
 * Idempotent: a job whose events were published and recorded in the ledger publishes nothing
 * when it runs again (a stalled job, a retry). In the window between Kafka's acknowledgement
 * and the ledger write, a re-run publishes the same events again: everything comes from the
 * stored message and conversation, and each event id is `<messageId>:<userId>` (namespaced by
 * type), so consumers deduplicate by id. Never two ids for one (message, recipient).
 */
export class DeliveryProcessor {
  private readonly messages: mongo.Collection;
  private readonly conversations: mongo.Collection;
  private readonly requested: Counter;

  constructor(
    connection: Connection,
    private readonly presence: PresenceReader,
    private readonly publisher: EventPublisher,
    private readonly ledger: NotificationLedger,
    registry: Registry,
  ) {
    const named = (schema: { get(key: 'collection'): unknown }) =>
      connection.collection(String(schema.get('collection'))) as unknown as mongo.Collection;
    this.messages = named(MessageSchema);
    this.conversations = named(ConversationSchema);
    this.requested = new Counter({
      name: 'parley_notifications_requested_total',
      help: 'chat.notification.requested events published',
      registers: [registry],
    });
  }

  /** Runs the job; answers the ids of the events it published. */
  async process(job: DeliveryJob): Promise<string[]> {
    const done = await this.ledger.recorded(job.messageId);
    if (done) return done;
    const byId = (c: mongo.Collection, id: string) =>
      /^[0-9a-f]{24}$/i.test(id) ? c.findOne({ _id: new Types.ObjectId(id) }) : null;
    // A job from the relay carries what the notification says; an older one reads the message.
    const carried = job.createdAt !== undefined && job.preview !== undefined;
    const [message, conversation] = await Promise.all([
      carried ? undefined : byId(this.messages, job.messageId),
      byId(this.conversations, job.conversationId),
    ]);
    // A message deleted (or a conversation deleted) before delivery notifies nobody (a
    // deletion takes a waiting job out of the queue: DeliveryQueue.cancel).
    if ((!carried && (!message || message.deletedAt)) || !conversation || conversation.deletedAt)
      return [];
    const recipients = (conversation.participants as string[]).filter((u) => u !== job.senderId);
    const online = await this.presence.isOnline(recipients);
    const notified = {
      id: job.messageId,
      conversationId: job.conversationId,
      seq: job.seq,
      senderId: job.senderId,
      createdAt: carried ? new Date(job.createdAt!) : (message!.createdAt as Date),
    };
    const preview = carried ? job.preview! : previewOf((message!.content as string | null) ?? null);
    const events = recipients
      .filter((u) => !online.has(u))
      .map((u) => notificationRequested(notified, u, preview));
    await this.publisher.publish(events);
    this.requested.inc(events.length);
    const ids = events.map((e) => e.id);
    // Published is done: a ledger that cannot record only leaves a re-run to publish again.
    await this.ledger.record(job.messageId, ids).catch(() => undefined);
    return ids;
  }
}
