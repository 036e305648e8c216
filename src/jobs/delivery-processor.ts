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
 * Recipients are those of the send: a job from the relay carries them for conversations of
 * up to DELIVERY_RECIPIENTS_MAX (the owning actor knew them when the message was stored) and
 * reads nothing of MongoDB; a bigger conversation's job, or one enqueued by an older version,
 * reads the conversation (its participants at delivery time). A participant removed after the
 * send is still notified of a message sent while they were in, one added after it is not (as
 * chat services notify: a message goes to the members it was sent to). A message deleted
 * before its job ran notifies nobody (the deletion takes the waiting job out:
 * DeliveryQueue.cancel), nor does any job of a deleted conversation (the ledger's `closed`).
 *
 * Idempotent: a job whose events were published and recorded in the ledger publishes nothing
 * when it runs again (a stalled job, a retry). In the window between Kafka's acknowledgement
 * and the ledger write, a re-run publishes the same events again: everything comes from the
 * job and the stored message and conversation, and each event id is `<messageId>:<userId>`
 * (namespaced by type), so consumers deduplicate by id. Never two ids for one (message,
 * recipient).
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
    const { recorded, closed } = await this.ledger.lookup(job.messageId, job.conversationId);
    if (recorded) return recorded;
    if (closed) return [];
    const stored = await this.read(job);
    if (!stored) return [];
    const { recipients, createdAt, preview } = stored;
    const online = await this.presence.isOnline(recipients);
    const notified = {
      id: job.messageId,
      conversationId: job.conversationId,
      seq: job.seq,
      senderId: job.senderId,
      createdAt,
    };
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

  /**
   * Whom to notify and what to say: from the job when it carries it all, else from MongoDB;
   * undefined when the message or the conversation read is gone (nobody is notified).
   */
  private async read(
    job: DeliveryJob,
  ): Promise<{ recipients: string[]; createdAt: Date; preview: string | null } | undefined> {
    const byId = (c: mongo.Collection, id: string) =>
      /^[0-9a-f]{24}$/i.test(id) ? c.findOne({ _id: new Types.ObjectId(id) }) : null;
    // A job from the relay carries what the notification says; an older one reads the message.
    const carried = job.createdAt !== undefined && job.preview !== undefined;
    if (carried && job.recipients) {
      return {
        recipients: job.recipients,
        createdAt: new Date(job.createdAt!),
        preview: job.preview!,
      };
    }
    const [message, conversation] = await Promise.all([
      carried ? undefined : byId(this.messages, job.messageId),
      byId(this.conversations, job.conversationId),
    ]);
    if ((!carried && (!message || message.deletedAt)) || !conversation || conversation.deletedAt)
      return undefined;
    return {
      recipients: (conversation.participants as string[]).filter((u) => u !== job.senderId),
      createdAt: carried ? new Date(job.createdAt!) : (message!.createdAt as Date),
      preview: carried ? job.preview! : previewOf((message!.content as string | null) ?? null),
    };
  }
}
