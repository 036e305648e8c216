/**
 * O1, the outbox relay (issue 6): what it costs the send path, and how fast it drains a backlog.
 * - REST sends per second (IN_FLIGHT at a time) on a node with the relay and the delivery
 *   worker on, against the same node with RELAY_ENABLED=false (the ceiling), each on a fresh
 *   database; and, relay on, the lag from the last send's answer until the outbox is empty.
 * - Drain: a node with the relay off takes N sends (N prepared events), stops; a node with the
 *   relay on (workers off) starts and publishes them. Events per second from the moment it
 *   is ready, against a bare idempotent kafkajs producer publishing as many CloudEvent-sized
 *   records in 500-record batches (the ceiling).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { mongo } from 'mongoose';
import { pool, post, Server, startNode, stopChild, token } from '../processes';
import { row, ScenarioOutput } from '../results';
import { percentile } from '../search';
import { stackEnv, withDatabase } from '../stack';
import { Context } from './context';

// Sends in flight: enough to keep a node's actors batching.
const IN_FLIGHT = 32;
const log = (what: string) => console.error(`bench: O1 ${what}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `op` `count` times, `concurrency` at a time: operations per second and latencies. */
async function throughput(count: number, concurrency: number, op: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  const started = performance.now();
  await pool(count, concurrency, async (i) => {
    const t0 = performance.now();
    await op(i);
    latencies.push(performance.now() - t0);
  });
  return { perSecond: (count / (performance.now() - started)) * 1000, latencies };
}

interface Phase {
  node: Server;
  outbox: mongo.Collection;
  /** Stops the node (idempotent). */
  stop(): Promise<void>;
  /** Stops the node, drops its queue and (unless it was given one) its database. */
  done(): Promise<void>;
}

/** A node on a database (fresh unless given) and a cluster prefix of its own. */
async function phase(env: Record<string, string>, db?: string): Promise<Phase> {
  const prefix = `bench-outbox-${randomBytes(4).toString('hex')}`;
  const database = db ?? `bench_outbox_${Date.now()}_${randomBytes(2).toString('hex')}`;
  const mongoUrl = withDatabase(stackEnv().MONGO_URL, database);
  const client = await mongo.MongoClient.connect(mongoUrl);
  const node = await startNode({ MONGO_URL: mongoUrl, CLUSTER_PREFIX: prefix, ...env });
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= stopChild(node.child));
  return {
    node,
    stop,
    outbox: client.db().collection('outbox'),
    done: async () => {
      await stop();
      const redis = new Redis(stackEnv().REDIS_URL, { maxRetriesPerRequest: null });
      const queue = new Queue('delivery', { connection: redis, prefix: `${prefix}:bull` });
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await redis.quit();
      if (!db) await client.db().dropDatabase();
      await client.close();
    },
  };
}

/** Sends `n` messages over `conversations` group conversations, IN_FLIGHT at a time. */
async function sendMany(
  node: Server,
  n: number,
  conversations: number,
  tag: string,
  inFlight = IN_FLIGHT,
) {
  const users = [randomUUID(), randomUUID(), randomUUID()];
  const tokens = await Promise.all(users.map(token));
  const urls: string[] = [];
  for (let i = 0; i < conversations; i++) {
    const group = await post(`${node.url}/conversations`, tokens[0], {
      type: 'group',
      name: `bench ${i}`,
      participants: users.slice(1),
    });
    urls.push(`${node.url}/conversations/${group.id}/messages`);
  }
  const send = (i: number) =>
    post(urls[i % urls.length], tokens[i % 3], {
      content: `outbox bench message ${i} `.padEnd(120, '.'),
      clientMessageId: `${tag}-${i}`,
    });
  await throughput(50, 10, (i) => send(n + i)); // warm-up
  return throughput(n, inFlight, send);
}

async function waitEmpty(outbox: mongo.Collection, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while ((await outbox.countDocuments({})) > 0) {
    if (Date.now() - started > timeoutMs) throw new Error('outbox did not drain');
    await sleep(25);
  }
  return Date.now() - started;
}

/** A bare idempotent producer, one request in flight, 500 records per batch. */
async function rawKafka(n: number): Promise<number> {
  const kafka = new Kafka({
    brokers: stackEnv().KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const value = JSON.stringify({ specversion: '1.0', data: { content: 'x'.repeat(600) } });
  const batches = Math.ceil(n / 500);
  const r = await throughput(batches, 1, () =>
    producer.sendBatch({
      topicMessages: [
        {
          topic: 'parley.bench.v1', // never a contract topic: consumers there expect CloudEvents
          messages: Array.from({ length: 500 }, (_, i) => ({ key: `bench-${i % 20}`, value })),
        },
      ],
    }),
  );
  await producer.disconnect();
  return r.perSecond * 500;
}

export async function outboxScenario(ctx: Context): Promise<ScenarioOutput> {
  await ctx.releaseParley(); // this scenario runs nodes of its own
  const n = ctx.quick ? 300 : 2000;
  const backlog = ctx.quick ? 1500 : 6000;

  log('sends, relay off');
  const off = await phase({ RELAY_ENABLED: 'false' });
  const sendsOff = await sendMany(off.node, n, 4, 'off').finally(() => off.done());
  log('sends, relay on');
  const on = await phase({ RELAY_ENABLED: 'true' });
  let lag: number;
  let sendsOn;
  try {
    sendsOn = await sendMany(on.node, n, 4, 'on');
    log('waiting for the outbox to empty');
    lag = await waitEmpty(on.outbox, 60_000);
  } finally {
    await on.done();
  }

  log(`${backlog} sends with the relay off`);
  const filled = await phase({ RELAY_ENABLED: 'false' });
  const db = filled.outbox.dbName;
  await sendMany(filled.node, backlog, 8, 'fill').finally(() => filled.stop());
  log('drain');
  const drain = await phase({ RELAY_ENABLED: 'true', WORKERS_ENABLED: 'false' }, db);
  let drained: number;
  let drainMs: number;
  try {
    drained = await drain.outbox.countDocuments({}); // what is left once the node is ready
    drainMs = await waitEmpty(drain.outbox, 300_000);
  } finally {
    await drain.done();
    await filled.done(); // drops the shared database
  }
  const relayRate = (drained / drainMs) * 1000;
  log('raw producer');
  const raw = await rawKafka(backlog);

  const sends = `REST send, ${IN_FLIGHT} in flight`;
  return {
    rows: [
      row({
        scenario: 'O1',
        name: sends,
        metric: 'relay off',
        value: sendsOff.perSecond,
        unit: 'msg/s',
      }),
      row({
        key: 'o1.sends',
        scenario: 'O1',
        name: sends,
        metric: 'relay and delivery worker on, vs relay off',
        value: sendsOn.perSecond,
        unit: 'msg/s',
        ceiling: sendsOff.perSecond,
      }),
      row({
        scenario: 'O1',
        name: sends,
        metric: 'p99 latency, relay on vs off',
        value: percentile(sendsOn.latencies, 99),
        unit: 'ms',
        ceiling: percentile(sendsOff.latencies, 99),
      }),
      row({
        scenario: 'O1',
        name: 'outbox relay',
        metric: 'outbox empty after the last send',
        value: lag,
        unit: 'ms',
      }),
      row({
        key: 'o1.drain',
        scenario: 'O1',
        name: 'outbox relay',
        metric: `drain of ${drained} events vs a raw idempotent producer`,
        value: relayRate,
        unit: 'events/s',
        ceiling: raw,
      }),
    ],
  };
}
