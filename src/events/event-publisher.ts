import type { Message, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import { Histogram, Registry } from 'prom-client';
import type { KafkaClients } from '../infra/kafka';
import { withTimeout } from '../infra/with-timeout';
import type { ChatEvent } from './chat-events';
import { toKafkaMessage } from './cloud-event';

/** Below the broker's default `message.max.bytes` (1 MiB) for one partition's record batch. */
const CHUNK_BYTES = 512 * 1024;
const CHUNK_EVENTS = 500;

/**
 * Publishes CloudEvents on the shared idempotent producer (one request in flight).
 *
 * Contracts:
 * - `publish` resolves once Kafka acknowledged every event (acks: all), in the order given
 *   per partition; it rejects after `timeoutMs` otherwise. A rejected publish may still have
 *   landed in part or in full: callers retry with the same event ids (at-least-once).
 * - Publishes run one after another. The producer retries without end while Kafka is away,
 *   so a timed-out publish may still be pending: the next one waits for it (within its own
 *   timeout) and a publish whose caller already gave up is never sent. An outage therefore
 *   never piles up stale copies that would all flush when Kafka returns.
 */
export class EventPublisher {
  private tail: Promise<unknown> = Promise.resolve();
  private connecting?: Promise<void>;
  private readonly duration: Histogram;

  constructor(
    private readonly kafka: KafkaClients,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    metrics: Registry,
  ) {
    this.duration = new Histogram({
      name: 'parley_events_publish_duration_seconds',
      help: 'Time for Kafka to acknowledge one publish (a chunk of events)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [metrics],
    });
    const { producer } = kafka;
    producer.on(producer.events.DISCONNECT, () => (this.connecting = undefined));
  }

  async publish(events: readonly ChatEvent[]): Promise<void> {
    if (events.length === 0) return;
    let abandoned = false;
    const previous = this.tail;
    const run = (async () => {
      await previous.catch(() => undefined);
      if (abandoned) throw new Error('publish abandoned before it was sent');
      await this.connect();
      for (const chunk of chunks(events.map((e) => [e.topic, toKafkaMessage(e)] as const))) {
        if (abandoned) throw new Error('publish abandoned part-way');
        const stop = this.duration.startTimer();
        await this.kafka.producer.sendBatch({ topicMessages: chunk, acks: -1 });
        stop();
      }
    })();
    this.tail = run.catch(() => undefined);
    try {
      await withTimeout(run, this.timeoutMs, 'kafka publish');
    } catch (err) {
      abandoned = true;
      throw err;
    }
  }

  private connect(): Promise<void> {
    this.connecting ??= this.kafka.producer.connect().catch((err: unknown) => {
      this.connecting = undefined;
      this.logger.warn({ err }, 'kafka producer could not connect');
      throw err;
    });
    return this.connecting;
  }
}

/** Splits in order into sendBatch requests, each grouped by topic (order kept per topic). */
function chunks(messages: (readonly [string, Message])[]): TopicMessages[][] {
  const out: TopicMessages[][] = [];
  let current = new Map<string, Message[]>();
  let bytes = 0;
  let count = 0;
  for (const [topic, message] of messages) {
    const size = (message.value as string).length + 64;
    if (count > 0 && (bytes + size > CHUNK_BYTES || count >= CHUNK_EVENTS)) {
      out.push([...current].map(([t, m]) => ({ topic: t, messages: m })));
      current = new Map();
      bytes = 0;
      count = 0;
    }
    const list = current.get(topic) ?? [];
    list.push(message);
    current.set(topic, list);
    bytes += size;
    count++;
  }
  if (count > 0) out.push([...current].map(([t, m]) => ({ topic: t, messages: m })));
  return out;
}
