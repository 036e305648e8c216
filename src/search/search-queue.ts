import type { OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Gauge, Registry } from 'prom-client';
import type { AppConfig } from '../config/app-config';
import type { ChatEvent } from '../events/chat-events';
import type { PublishedSink } from '../events/outbox-relay';
import { withTimeout } from '../infra/with-timeout';
import { RelayFedQueue } from '../jobs/relay-fed-queue';

export const SEARCH_QUEUE = 'search-index';

/**
 * One batch of indexing work: messages to re-read and (re)index or remove, and
 * conversations whose every message must leave the index. Only ids: the worker reads the
 * current state, so a job that runs late or twice still writes the latest one.
 */
export interface SearchJob {
  messages: { conversationId: string; messageId: string }[];
  conversations: string[];
}

/** A relay batch's events as one search job (null when none concerns search). */
export function searchJobOf(events: readonly ChatEvent[]): SearchJob | null {
  const messages = new Map<string, { conversationId: string; messageId: string }>();
  const conversations = new Set<string>();
  for (const e of events) {
    if (
      e.type === 'chat.message.created' ||
      e.type === 'chat.message.updated' ||
      e.type === 'chat.message.deleted'
    ) {
      const messageId = String(e.data.id);
      messages.set(messageId, { conversationId: e.conversationId, messageId });
    } else if (e.type === 'chat.conversation.deleted') {
      conversations.add(e.conversationId);
    }
  }
  if (messages.size === 0 && conversations.size === 0) return null;
  return { messages: [...messages.values()], conversations: [...conversations] };
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
