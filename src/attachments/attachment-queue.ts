import type { OnApplicationShutdown } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import type { AppConfig } from '../config/app-config';
import type { ChatEvent } from '../events/chat-events';
import type { PublishedSink } from '../events/outbox-relay';
import { RelayFedQueue } from '../jobs/relay-fed-queue';

export const ATTACHMENTS_QUEUE = 'attachments';
/** How often the sweep (stale pending uploads, stale claims) runs. */
export const SWEEP_EVERY_MS = 15 * 60_000;

/** The attachment work, one job per change. Every job's effect is idempotent. */
export type AttachmentJob =
  | { kind: 'attached'; conversationId: string; messageId: string; attachmentIds: string[] }
  | { kind: 'message-deleted'; conversationId: string; messageId: string }
  | { kind: 'conversation-deleted'; conversationId: string }
  | { kind: 'upload-expired'; attachmentId: string }
  | { kind: 'sweep' };

/** Stable ids (BullMQ refuses ':'): a republished event finds its job and adds nothing. */
export const attachmentJobId = (job: AttachmentJob): string => {
  switch (job.kind) {
    case 'attached':
    case 'message-deleted':
      return `${job.kind}-${job.messageId}`;
    case 'conversation-deleted':
      return `${job.kind}-${job.conversationId}`;
    case 'upload-expired':
      return `${job.kind}-${job.attachmentId}`;
    case 'sweep':
      return 'sweep';
  }
};

/** The jobs the stored changes call for (fed by the outbox relay, so none is lost). */
export function jobsFor(events: readonly ChatEvent[]): AttachmentJob[] {
  const jobs: AttachmentJob[] = [];
  for (const e of events) {
    const attachments = (e.data.attachments ?? []) as { id: string }[];
    if (e.type === 'chat.message.created' && attachments.length > 0) {
      jobs.push({
        kind: 'attached',
        conversationId: e.conversationId,
        messageId: String(e.data.id),
        attachmentIds: attachments.map((a) => a.id),
      });
    } else if (e.type === 'chat.message.deleted') {
      jobs.push({
        kind: 'message-deleted',
        conversationId: e.conversationId,
        messageId: String(e.data.id),
      });
    } else if (e.type === 'chat.conversation.deleted') {
      jobs.push({ kind: 'conversation-deleted', conversationId: e.conversationId });
    }
  }
  return jobs;
}

/**
 * The `attachments` queue. Fed by the outbox relay after Kafka acknowledged a batch, so a
 * node that dies right after a send's ack still gets its attachments marked `attached`.
 * A message deletion enqueues one job per message, which may also be a message that never
 * had attachments: it finds nothing and ends.
 */
export class AttachmentQueue implements PublishedSink, OnApplicationShutdown {
  readonly queue: Queue<AttachmentJob>;
  private readonly producer: RelayFedQueue<AttachmentJob>;

  constructor(config: AppConfig) {
    this.producer = new RelayFedQueue<AttachmentJob>(config, ATTACHMENTS_QUEUE, {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 3600, count: 50_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    this.queue = this.producer.queue;
  }

  async published(events: readonly ChatEvent[]): Promise<void> {
    const jobs = jobsFor(events);
    if (jobs.length) await this.addAll(jobs);
  }

  async add(job: AttachmentJob, opts: JobsOptions = {}): Promise<void> {
    await this.queue.add(job.kind, job, { jobId: attachmentJobId(job), ...opts });
  }

  private async addAll(jobs: AttachmentJob[]): Promise<void> {
    await this.queue.addBulk(
      jobs.map((data) => ({ name: data.kind, data, opts: { jobId: attachmentJobId(data) } })),
    );
  }

  /** The periodic sweep, one scheduler for the whole cluster (upserted by every node). */
  async scheduleSweep(): Promise<void> {
    await this.queue.upsertJobScheduler(
      'attachments-sweep',
      { every: SWEEP_EVERY_MS },
      { name: 'sweep', data: { kind: 'sweep' } },
    );
  }

  onApplicationShutdown(): Promise<void> {
    return this.producer.close();
  }
}
