import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { withTimeout } from '../infra/with-timeout';
import type { ChatEvent } from './chat-events';
import type { ChangeVerifier } from './change-verifier';
import type { EventPublisher } from './event-publisher';
import type { OutboxStore } from './outbox-store';
import type { RedisLease } from './relay-lease';
import type { RelayMetrics } from './relay-metrics';
import { OutboxRow, planRound, RoundPlan, Verdict } from './relay-plan';

/** Told about every batch Kafka acknowledged, before the batch is marked published. */
export interface PublishedSink {
  published(events: readonly ChatEvent[]): Promise<void>;
}

export interface RelayDeps {
  store: OutboxStore;
  verifier: ChangeVerifier;
  publisher: EventPublisher;
  sink: PublishedSink;
  lease: RedisLease;
  metrics: RelayMetrics;
  logger: Logger;
}

export interface RelayOptions {
  enabled: boolean;
  pollMs: number;
  batchSize: number;
  graceMs: number;
}

export type RelayBatch = RoundPlan & { full: boolean };

const MAX_BACKOFF_MS = 5000;
const MAX_RECHECK_MS = 2000;
const COUNT_EVERY_MS = 5000;
const STOP_WAIT_MS = 2000;

/**
 * Publishes the outbox to Kafka: pick (oldest pending by `ord`), check each change is stored,
 * publish the verified prefix of each conversation, tell the sink, then mark (delete) them.
 *
 * Contracts:
 * - At-least-once: an event is deleted only after Kafka acknowledged it and the sink took it.
 *   A relay that dies between publish and mark leaves those events to be published again by
 *   the next leader; nothing else is republished. Consumers deduplicate by event id.
 * - Order: within a conversation, events are published in `ord` order and never past one
 *   that is not verified yet (that conversation waits; the others go on).
 * - Only the holder of the lease runs rounds (one relay per cluster). While a round fails
 *   (Kafka away, MongoDB away) it retries with backoff; sends are never affected.
 * - Polls every `pollMs` when idle, at once again after a full batch.
 */
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;
  private done?: Promise<void>;
  private wake?: () => void;
  private failures = 0;
  private countedAt = 0;
  private readonly verified = new Set<string>();
  /** Conversations waiting on an unverified event: skipped until `recheckAt`. */
  private readonly held = new Map<string, { recheckAt: number; waits: number; since: number }>();

  constructor(
    private readonly deps: RelayDeps,
    private readonly options: RelayOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.enabled) this.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.deps.lease.start();
    this.done = this.loop();
  }

  /**
   * Lets a round in progress finish (for at most STOP_WAIT_MS: a round can wait on Kafka for
   * KAFKA_PUBLISH_TIMEOUT_MS), then releases the lease so another node takes over at once.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await withTimeout(this.done ?? Promise.resolve(), STOP_WAIT_MS, 'relay stop').catch(() => {
      this.deps.logger.warn('relay round still running at shutdown; its events stay pending');
    });
    await this.deps.lease.stop();
    this.deps.metrics.leader.set(0);
  }

  /** One round. */
  async runOnce(): Promise<{ published: number; dropped: number; full: boolean }> {
    const batch = await this.pickBatch();
    if (batch.dropped.length) await this.drop(batch.dropped);
    if (batch.ready.length) {
      await this.publishBatch(batch.ready);
      await this.markPublished(batch.ready);
    }
    return { published: batch.ready.length, dropped: batch.dropped.length, full: batch.full };
  }

  /** Step 1 (no writes): reads pending events and decides what may go now. */
  async pickBatch(): Promise<RelayBatch> {
    const now = Date.now();
    const skip = [...this.held].filter(([, h]) => h.recheckAt > now).map(([c]) => c);
    const rows = await this.deps.store.pending(this.options.batchSize, skip);
    const verdicts = await this.deps.verifier.verify(rows.filter((r) => !this.verified.has(r.id)));
    for (const [id, v] of verdicts) if (v === 'stored') this.verified.add(id);
    const known = new Map<string, Verdict>(rows.map((r) => [r.id, verdicts.get(r.id) ?? 'stored']));
    const plan = planRound(rows, known, now, this.options.graceMs);
    for (const r of rows) {
      const head = plan.waiting.get(r.conversationId);
      const waits = (this.held.get(r.conversationId)?.waits ?? 0) + 1;
      if (!head) this.held.delete(r.conversationId);
      else if (head === r) {
        const delay = Math.min(MAX_RECHECK_MS, this.options.pollMs * 2 ** waits);
        this.held.set(r.conversationId, { recheckAt: now + delay, waits, since: r.time.getTime() });
      }
    }
    await this.observe(rows, skip.length, now);
    const progress = plan.ready.length + plan.dropped.length > 0;
    return { ...plan, full: rows.length >= this.options.batchSize && progress };
  }

  /** Step 2: Kafka acknowledged every event, and the sink (delivery queue) took them. */
  async publishBatch(rows: readonly OutboxRow[]): Promise<void> {
    await this.deps.publisher.publish(rows);
    await this.deps.sink.published(rows);
  }

  /** Step 3: forgets published events (see OutboxStore for why they are deleted). */
  async markPublished(rows: readonly OutboxRow[]): Promise<void> {
    await this.deps.store.remove(rows.map((r) => r.id));
    for (const r of rows) {
      this.verified.delete(r.id);
      this.deps.metrics.published.inc({ type: r.type });
    }
  }

  private async drop(rows: readonly OutboxRow[]): Promise<void> {
    await this.deps.store.remove(rows.map((r) => r.id));
    for (const r of rows) this.deps.metrics.dropped.inc({ type: r.type });
    this.deps.logger.warn(
      { ids: rows.slice(0, 20).map((r) => r.id), count: rows.length },
      'dropped events whose change was never stored',
    );
  }

  private async observe(rows: readonly OutboxRow[], skipped: number, now: number): Promise<void> {
    if (this.verified.size > 100_000) this.verified.clear();
    const times = [
      ...rows.map((r) => r.time.getTime()),
      ...[...this.held.values()].map((h) => h.since),
    ];
    const oldest = times.length ? Math.min(...times) : now;
    this.deps.metrics.oldestAge.set(Math.max(0, now - oldest) / 1000);
    if (rows.length < this.options.batchSize && skipped === 0) {
      this.deps.metrics.backlog.set(rows.length);
    } else if (now - this.countedAt > COUNT_EVERY_MS) {
      this.countedAt = now; // a full scan on FerretDB: at most every few seconds
      this.deps.metrics.backlog.set(await this.deps.store.count());
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let delay = this.options.pollMs;
      const leader = this.deps.lease.held();
      this.deps.metrics.leader.set(leader ? 1 : 0);
      if (leader) {
        try {
          if ((await this.runOnce()).full) delay = 0;
          if (this.failures) this.deps.logger.info({ failures: this.failures }, 'relay recovered');
          this.failures = 0;
        } catch (err) {
          this.deps.metrics.failures.inc();
          if (this.failures++ % 20 === 0) this.deps.logger.warn({ err }, 'relay round failed');
          const backoff = Math.min(MAX_BACKOFF_MS, this.options.pollMs * 2 ** this.failures);
          delay = backoff * (0.5 + Math.random() / 2);
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
