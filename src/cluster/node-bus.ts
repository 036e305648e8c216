import { randomUUID } from 'node:crypto';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import { ChatError } from '../common/chat-error';
import { BusReply, BusRequest, fromWireError, parseBusMessage, toWireError } from './bus-wire';

export interface NodeBusOptions {
  nodeId: string;
  /** Default for `request`'s timeout (CLUSTER_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** Channel namespace: `<prefix>:bus:<nodeId>`; tests use their own. */
  prefix?: string;
}

/** The one local handler: gets a request's payload and the id of the node that sent it. */
export type BusHandler = (payload: unknown, from: string) => Promise<unknown>;

type Outcome = 'ok' | 'error' | 'timeout';
interface Pending {
  resolve: (data: unknown) => void;
  reject: (err: ChatError) => void;
  timer: NodeJS.Timeout;
  startedAt: number;
}

/**
 * Request/reply between nodes over Redis pub/sub (each node listens on its own channel).
 *
 * Ordering: requests from node A to node B reach B's handler in the order A called `request`.
 * A publishes everything through the one shared connection (Redis runs one connection's
 * commands in order) and B reads one subscriber connection, calling the handler synchronously
 * per message in arrival order. The handler is not awaited before the next call: to keep
 * that order, it must do its order-sensitive step (enqueue into the actor's mailbox) before
 * its first `await`. Replies may complete in any order. Order holds among the requests that
 * are delivered: one refused while B was unreachable and retried later lands after its
 * successors (the actor's seq, not the send order, is then the truth).
 *
 * Delivery: at most once while both sides are connected; nothing is queued for a node that is
 * not listening (`request` then fails at once with `unavailable`). A timeout does not mean the
 * request did not run, and ioredis may resend a PUBLISH whose answer was lost in a reconnect,
 * so handlers must be idempotent (commands carry their dedupe keys, e.g. clientMessageId).
 *
 * Concurrency: any number of requests in flight; each settles exactly once (reply, timeout,
 * publish failure or close). Late replies are dropped.
 */
export class NodeBus implements OnModuleInit, OnApplicationShutdown {
  readonly nodeId: string;
  private readonly prefix: string;
  private readonly instance = randomUUID().slice(0, 8); // a restarted node ignores old replies
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  private handler?: BusHandler;
  private subscriber?: Redis;
  private closed = false;
  private subscriberDown = false;
  private readonly requests?: Counter<'outcome'>;
  private readonly latency?: Histogram;

  constructor(
    private readonly redis: Redis,
    private readonly options: NodeBusOptions,
    private readonly logger: Logger,
    metrics?: Registry,
  ) {
    this.nodeId = options.nodeId;
    this.prefix = options.prefix ?? 'parley';
    if (metrics) {
      this.requests = new Counter({
        name: 'parley_bus_requests_total',
        help: 'Requests sent to other nodes, by outcome',
        labelNames: ['outcome'],
        registers: [metrics],
      });
      this.latency = new Histogram({
        name: 'parley_bus_request_seconds',
        help: 'Time from request to reply, timeout or failure',
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
        registers: [metrics],
      });
    }
  }

  /** Subscribes this node's channel (a dedicated connection); before it, requests fail. */
  async start(): Promise<void> {
    if (this.subscriber || this.closed) return;
    const channel = this.channel(this.nodeId);
    const sub = this.redis.duplicate({ connectionName: `parley:${this.nodeId}:bus` });
    sub.on('message', (_channel: string, text: string) => this.onMessage(text));
    sub.on('error', (err: Error) => {
      if (!this.subscriberDown) this.logger.warn({ err: err.message }, 'node bus subscriber down');
      this.subscriberDown = true;
    });
    sub.on('ready', () => {
      if (this.subscriberDown) this.logger.info('node bus subscriber back');
      this.subscriberDown = false;
    });
    this.subscriber = sub;
    await sub.subscribe(channel);
    // Two processes with one node id would both run every command sent to it.
    const [, listeners] = (await this.redis.pubsub('NUMSUB', channel)) as [string, number];
    if (listeners > 1) {
      this.logger.error({ nodeId: this.nodeId, listeners }, 'another process uses this node id');
    }
  }

  /** Registers the one local handler; requests that arrive before it answer `unavailable`. */
  handle(handler: BusHandler): void {
    if (this.handler) throw new Error('NodeBus already has a handler');
    this.handler = handler;
  }

  /**
   * Sends `payload` to `nodeId`'s handler and resolves with what it returned (through JSON).
   * Rejects with the handler's ChatError, `internal` for any other failure, or `unavailable`
   * when the node is not listening, cannot be reached, or does not answer within `timeoutMs`.
   */
  request<T>(
    nodeId: string,
    payload: unknown,
    timeoutMs = this.options.requestTimeoutMs,
  ): Promise<T> {
    if (this.closed || !this.subscriber || this.subscriberDown) {
      // Without a working subscriber the reply could never arrive.
      return Promise.reject(ChatError.unavailable('node bus is not running'));
    }
    const id = `${this.instance}.${++this.seq}`;
    const message = JSON.stringify({ id, from: this.nodeId, payload } satisfies BusRequest);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => this.settle(id, 'timeout', ChatError.unavailable(`node ${nodeId} did not answer`)),
        timeoutMs,
      );
      const startedAt = performance.now();
      this.pending.set(id, { resolve: resolve as (d: unknown) => void, reject, timer, startedAt });
      this.redis.publish(this.channel(nodeId), message).then(
        (receivers) => {
          if (receivers === 0) {
            this.settle(id, 'error', ChatError.unavailable(`node ${nodeId} is not listening`));
          }
        },
        (err: unknown) =>
          this.settle(id, 'error', ChatError.unavailable(`could not reach node ${nodeId}`, err)),
      );
    });
  }

  /** Rejects every pending request with `unavailable` and closes the subscriber connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.pending.keys()]) {
      this.settle(id, 'error', ChatError.unavailable('node bus closed'));
    }
    const sub = this.subscriber;
    this.subscriber = undefined;
    await sub?.quit().catch(() => sub.disconnect());
  }

  onModuleInit(): Promise<void> {
    return this.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private channel(nodeId: string): string {
    return `${this.prefix}:bus:${nodeId}`;
  }

  private settle(id: string, outcome: Outcome, result: ChatError | { data: unknown }): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    this.requests?.inc({ outcome });
    this.latency?.observe((performance.now() - p.startedAt) / 1000);
    if (result instanceof ChatError) p.reject(result);
    else p.resolve(result.data);
  }

  private onMessage(text: string): void {
    const msg = parseBusMessage(text);
    if (!msg) return this.logger.warn({ text: text.slice(0, 200) }, 'malformed node bus message');
    if ('ok' in msg) {
      return this.settle(msg.id, msg.ok ? 'ok' : 'error', msg.ok ? msg : fromWireError(msg.error));
    }
    if (!this.handler) {
      const error = ChatError.unavailable(`node ${this.nodeId} is not ready`).toWire();
      return this.reply(msg, { id: msg.id, ok: false, error });
    }
    let work: Promise<unknown>;
    try {
      work = Promise.resolve(this.handler(msg.payload, msg.from)); // synchronously: see ordering
    } catch (err) {
      work = Promise.reject(err);
    }
    work.then(
      (data) => this.reply(msg, { id: msg.id, ok: true, data }),
      (err: unknown) => this.reply(msg, { id: msg.id, ok: false, error: this.failure(err, msg) }),
    );
  }

  private failure(err: unknown, req: BusRequest) {
    if (!(err instanceof ChatError)) {
      this.logger.error({ err, from: req.from }, 'node bus handler failed');
    }
    return toWireError(err, this.nodeId);
  }

  private reply(req: BusRequest, reply: BusReply): void {
    let text: string;
    try {
      text = JSON.stringify(reply);
    } catch (err) {
      text = JSON.stringify({ id: req.id, ok: false, error: this.failure(err, req) });
    }
    // 0 receivers: the requester is gone; it has already failed the request (or will time out).
    this.redis.publish(this.channel(req.from), text).catch((err: unknown) => {
      this.logger.warn({ err: String(err), to: req.from }, 'node bus reply not sent');
    });
  }
}
