import type { OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Gauge, Registry } from 'prom-client';
import type { AppConfig } from '../config/app-config';
import { previewOf } from '../conversations/conversation.types';
import type { ChatEvent } from '../events/chat-events';
import type { PublishedSink } from '../events/outbox-relay';
import { withTimeout } from '../infra/with-timeout';
import { RelayFedQueue } from './relay-fed-queue';

export const DELIVERY_QUEUE = 'delivery';

/** One stored message whose offline recipients must be notified. */
export interface DeliveryJob {
  conversationId: string;
  messageId: string;
  seq: number;
  senderId: string;
  /**
   * What the notification says, taken from the published event so the job need not read the
   * message again (ISO time; the preview of its content). Absent in jobs enqueued by an older
   * version: the processor then reads the message.
   */
  createdAt?: string;
  preview?: string | null;
  /**
   * The participants but the sender when the message was sent, for conversations of up to
   * DELIVERY_RECIPIENTS_MAX (from the outbox row, never from Kafka). Absent: the processor
   * reads the conversation. Its cost is Redis memory while the job is kept (removeOnComplete):
   * about 37 bytes per recipient (a UUID), ~9 KB at 256, of the order of the job's result.
   */
  recipients?: string[];
}

/**
 * BullMQ job ids may not contain ':'. One job per message, so a republished
 * `chat.message.created` adds nothing while the first job is kept (see removeOnComplete).
 */
export const deliveryJobId = (conversationId: string, seq: number) => `${conversationId}-${seq}`;

export { bullPrefix } from './relay-fed-queue';

/**
 * The `delivery` queue, fed by the outbox relay after each batch Kafka acknowledged (one
 * addBulk per batch). Its connection fails fast (a Redis outage fails the relay round, which
 * retries) rather than blocking like a worker's.
 */
export class DeliveryQueue implements PublishedSink, OnApplicationShutdown {
  readonly queue: Queue<DeliveryJob>;
  private readonly producer: RelayFedQueue<DeliveryJob>;

  /**
   * `closed` is told the conversations deleted (the ledger's `close`): their jobs still
   * waiting, which carry their recipients and read no conversation, then notify nobody.
   */
  constructor(
    config: AppConfig,
    registry: Registry,
    private readonly closed: (conversationIds: string[]) => Promise<void>,
  ) {
    this.producer = new RelayFedQueue<DeliveryJob>(config, DELIVERY_QUEUE, {
      attempts: config.workers.deliveryAttempts,
      backoff: { type: 'exponential', delay: 1000 },
      // Kept an hour so a republished message finds its job and is not delivered twice.
      removeOnComplete: { age: 3600, count: 50_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    this.queue = this.producer.queue;
    const queue = this.queue;
    new Gauge({
      name: 'parley_delivery_queue_depth',
      help: 'Jobs in the delivery queue by state',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        const counts = await withTimeout(
          queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed'),
          1000,
          'queue depth',
        ).catch(() => ({}) as Record<string, number>);
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
  }

  async published(events: readonly ChatEvent[]): Promise<void> {
    const jobs = events
      .filter((e) => e.type === 'chat.message.created')
      .map((e) => {
        const data: DeliveryJob = {
          conversationId: e.conversationId,
          messageId: String(e.data.id),
          seq: Number(e.data.seq),
          senderId: String(e.data.senderId),
          createdAt: e.time.toISOString(),
          preview: previewOf(typeof e.data.content === 'string' ? e.data.content : null),
          ...(e.recipients ? { recipients: [...e.recipients] } : {}),
        };
        return {
          name: 'message',
          data,
          opts: { jobId: deliveryJobId(data.conversationId, data.seq) },
        };
      });
    if (jobs.length) await this.queue.addBulk(jobs);
    const deleted = events.filter((e) => e.type === 'chat.message.deleted');
    if (deleted.length) await Promise.all(deleted.map((e) => this.cancel(e)));
    const gone = events.filter((e) => e.type === 'chat.conversation.deleted');
    if (gone.length) await this.closed(gone.map((e) => e.conversationId));
  }

  /**
   * A message deleted before its job ran notifies nobody: the deletion's event follows the
   * creation's through the relay (per conversation, in order), and takes the job out while it
   * still waits. A job already running or done is left (its notification is out, as it would
   * be for a deletion a moment later); a finished job is kept so a republished creation adds
   * nothing.
   */
  private async cancel(e: ChatEvent): Promise<void> {
    const job = await this.queue.getJob(deliveryJobId(e.conversationId, Number(e.data.seq)));
    if (!job || !((await job.isWaiting()) || (await job.isDelayed()))) return;
    await job.remove().catch(() => undefined); // taken by a worker meanwhile: it runs
  }

  onApplicationShutdown(): Promise<void> {
    return this.producer.close();
  }
}
