import type { OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Gauge, Registry } from 'prom-client';
import { z } from 'zod';
import { messageView } from '../common/openapi-views';
import type { AppConfig } from '../config/app-config';
import type { ChatEvent } from '../events/chat-events';
import type { PublishedSink } from '../events/outbox-relay';
import { withTimeout } from '../infra/with-timeout';
import { RelayFedQueue } from '../jobs/relay-fed-queue';
import type { SearchDoc, SearchRemoval } from './search-index';
import { toSearchDoc } from './search-mapping';

export const SEARCH_QUEUE = 'search-index';

/** A message's latest state in a job, as its event carried it: indexed, or removed. */
export type SearchChange = { upsert: SearchDoc } | { remove: SearchRemoval };

/**
 * One batch of indexing work: messages to (re)index or remove, and conversations whose every
 * message must leave the index. `carried` holds the messages' states as the batch's events
 * carried them (the latest per message) and when the relay made the job: a job that runs soon
 * writes those without reading MongoDB; a late one (a backlog, a retry) re-reads the ids, so
 * it still writes the latest state (see SearchIndexer).
 */
export interface SearchJob {
  messages: { conversationId: string; messageId: string }[];
  conversations: string[];
  carried?: { at: number; changes: SearchChange[] };
}

/** A relay batch's events as one search job (null when none concerns search). */
export function searchJobOf(events: readonly ChatEvent[], now = Date.now()): SearchJob | null {
  const latest = new Map<string, { conversationId: string; change: SearchChange | null }>();
  const conversations = new Set<string>();
  for (const e of events) {
    if (
      e.type === 'chat.message.created' ||
      e.type === 'chat.message.updated' ||
      e.type === 'chat.message.deleted'
    ) {
      // The latest event of a message decides (events come in `ord` order).
      latest.set(String(e.data.id), { conversationId: e.conversationId, change: changeOf(e) });
    } else if (e.type === 'chat.conversation.deleted') {
      conversations.add(e.conversationId);
    }
  }
  if (latest.size === 0 && conversations.size === 0) return null;
  const changes = [...latest.values()].map((l) => l.change);
  return {
    messages: [...latest].map(([messageId, l]) => ({
      conversationId: l.conversationId,
      messageId,
    })),
    conversations: [...conversations],
    ...(changes.every((c) => c !== null) && {
      carried: { at: now, changes: changes as SearchChange[] },
    }),
  };
}

/** What the index takes of a message event's data, by the wire's own message schema. */
const carriedMessage = z.object(
  messageView.pick({
    id: true,
    senderId: true,
    seq: true,
    content: true,
    attachments: true,
    createdAt: true,
    updatedAt: true,
  }).shape,
);
const carriedDeletion = z.object({
  id: messageView.shape.id,
  deletedAt: messageView.shape.createdAt,
});

/**
 * What a message event says the index should hold, or null when its data is not the message
 * as JSON carries it (then the job re-reads). Created and updated events carry the whole
 * message, a deletion its `deletedAt` (the message's `updatedAt` from then on).
 */
function changeOf(e: ChatEvent): SearchChange | null {
  if (e.type === 'chat.message.deleted') {
    const d = carriedDeletion.safeParse(e.data);
    if (!d.success) return null;
    const version = Date.parse(d.data.deletedAt);
    return { remove: { id: d.data.id, conversationId: e.conversationId, version } };
  }
  const m = carriedMessage.safeParse(e.data);
  if (!m.success) return null;
  return {
    upsert: toSearchDoc({
      ...m.data,
      conversationId: e.conversationId,
      createdAt: new Date(m.data.createdAt),
      updatedAt: new Date(m.data.updatedAt),
    }),
  };
}

/** Attempts of a job: effectively without end (the engine may be down for hours). */
export const SEARCH_ATTEMPTS = 1_000_000;

/**
 * The `search-index` queue, fed by the outbox relay with one job per relay batch (so a
 * backlog is indexed in batches of up to OUTBOX_BATCH_SIZE). Fails fast on a Redis outage,
 * which fails the relay round (it retries); an OpenSearch outage never reaches it.
 */
export class SearchQueue implements PublishedSink, OnApplicationShutdown {
  readonly queue: Queue<SearchJob>;
  private readonly producer: RelayFedQueue<SearchJob>;

  constructor(
    private readonly config: AppConfig,
    registry: Registry,
  ) {
    this.producer = new RelayFedQueue<SearchJob>(config, SEARCH_QUEUE, {
      attempts: SEARCH_ATTEMPTS,
      backoff: { type: 'search' },
      removeOnComplete: { age: 600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    this.queue = this.producer.queue;
    const queue = this.queue;
    new Gauge({
      name: 'parley_search_queue_depth',
      help: 'Jobs in the search-index queue by state',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        const counts = await withTimeout(
          queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
          1000,
          'search queue depth',
        ).catch(() => ({}) as Record<string, number>);
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
  }

  async published(events: readonly ChatEvent[]): Promise<void> {
    if (!this.config.search.url) return;
    const job = searchJobOf(events);
    if (job) await this.queue.add('batch', job);
  }

  onApplicationShutdown(): Promise<void> {
    return this.producer.close();
  }
}
