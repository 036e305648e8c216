/**
 * Q1, message search on OpenSearch (issue 15), on a two-node Parley cluster (both nodes run
 * the search-index worker, as `npm run up` does) over a fresh database and index.
 * - Indexing: N messages (quick: 100,000; full: 1,000,000) stored in MongoDB: a tenth in
 *   the searcher's 50 conversations, the rest in conversations of 100 messages the searcher
 *   is not in (as D1 spreads a million over 10,000: a conversation of 20,000 messages makes
 *   FerretDB v1 read all of them for each of its actor's loads), handed to the paused
 *   `search-index` queue in jobs of 500 ids; then the queue resumes. That is a backlog as
 *   the relay leaves it after an outage: jobs older than CARRIED_FOR_MS, which the workers
 *   answer by re-reading every message by `_id` (fresh jobs write what their events
 *   carried). Messages per second until the queue is empty (and the
 *   index counts them all), against a raw `_bulk` of the same documents (500 per request, as
 *   many in flight as the workers run jobs) into an index of the same mapping: the ceiling.
 * - Lag: REST sends at a steady 200 msg/s (open loop, round-robin over the 50 conversations
 *   and both nodes, at most a second of sends unanswered); the p99 bucket bound of
 *   parley_search_index_lag_seconds (change to indexed) of both nodes over that window. When
 *   the stack does not keep up with 200 msg/s, lower rates too, down to the first it keeps up
 *   with; both are reported.
 * - Queries: p50/p99 of GET /search for one and three terms by a member of the 50
 *   conversations, one at a time, alternating nodes.
 * - Size: bytes and documents of the index from `_stats`.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { mongo } from 'mongoose';
import { toMessage } from '../../../src/messages/message.types';
import { indexSettings, MAPPINGS, toSearchDoc } from '../../../src/search/search-mapping';
import { SEARCH_ATTEMPTS, SEARCH_QUEUE, SearchJob } from '../../../src/search/search-queue';
import { Cluster, parleyCluster } from '../cluster';
import { CpuMeter, databasePids, describeDatabase, stackPid } from '../cpu';
import { paced } from '../pacer';
import { pool, post, token } from '../processes';
import { row, Row, ScenarioOutput } from '../results';
import { percentile } from '../search';
import { stackEnv } from '../stack';
import { Context, describeCpu } from './context';
import {
  bucketPercentile,
  ferretCommands,
  indexSize,
  lagBuckets,
  sumBuckets,
} from './message-search-figures';

const log = (what: string) => console.error(`bench: Q1 ${what}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CONVERSATIONS = 50;
/** One message in this many goes to the searcher's conversations. */
const SEARCHED_SHARE = 10;
/** Messages of each of the other conversations. */
const PER_OTHER = 100;
/** Ids per job: the relay's OUTBOX_BATCH_SIZE, so a backlog arrives in jobs this big. */
const BATCH = 500;
/** Jobs in flight: two nodes, each worker at concurrency 2 (search-worker.ts). */
const INFLIGHT = 4;
const RATE = 200;
/** Tried in turn when RATE is not kept up with, down to the first that is. */
const LOWER_RATES = [150, 100, 75, 50, 25];
/** After the sends, at most this long for every acknowledged message to be indexed. */
const CATCH_UP_MS = 120_000;

/** A vocabulary with a skew (some words common, most rare), so queries hit various sizes. */
const WORDS = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}x`);
const word = () => WORDS[Math.floor(WORDS.length * Math.random() ** 3)];
const sentence = () => Array.from({ length: 6 + Math.floor(Math.random() * 14) }, word).join(' ');

/** The meter's reading, and the database's and Parley's CPU-ms per message over it. */
function cpuPerMessage(use: ReturnType<CpuMeter['stop']>, messages: number): string {
  const db = use.cpu[describeDatabase()] ?? NaN;
  const ms = (seconds: number) => ((seconds * 1000) / Math.max(1, messages)).toFixed(2);
  return `${describeCpu(use)} (${describeDatabase()} ${ms(db)} CPU-ms per message, Parley ${ms(use.cpu.Parley)})`;
}

async function waitQueueEmpty(queue: Queue, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(c).every((n) => n === 0)) return;
    if (Date.now() > deadline) throw new Error(`search queue not empty: ${JSON.stringify(c)}`);
    await sleep(100);
  }
}

interface Steady {
  rate: number;
  ms: number;
  scheduled: number;
  acked: number;
  skipped: number;
  failed: number;
  firstError?: string;
  ackP50: number;
  ackP99: number;
  /** Every acknowledged message indexed within CATCH_UP_MS after the last send. */
  caughtUp: boolean;
  lagP50: number;
  lagP99: number;
  lagSamples: number;
  cpu: string;
  /** Seconds the warm-up before the window took. */
  warmS: number;
  commands: string;
}

const kept = (s: Steady) => s.skipped === 0 && s.failed === 0 && s.caughtUp;

export async function searchScenario(ctx: Context): Promise<ScenarioOutput> {
  await ctx.releaseParley();
  const env = stackEnv();
  const searchUrl = env.SEARCH_URL;
  if (!searchUrl) throw new Error('no SEARCH_URL in .stack/env');
  const runId = `${ctx.runId}q1`;
  const alias = `${runId}-search`;
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  // parleyCluster's CLUSTER_PREFIX for two nodes, under which the nodes' BullMQ queues live.
  const queue = new Queue<SearchJob>(SEARCH_QUEUE, {
    connection: redis,
    prefix: `${runId}-2n:bull`,
  });
  // Paused before the workers start: the indexing is timed from the resume.
  await queue.pause();
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await fetch(`${searchUrl}/${alias}*`, { method: 'DELETE' }).catch(() => undefined);
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close().catch(() => undefined);
      await redis.quit().catch(() => undefined);
    })());
  try {
    // Scoped: an interrupted run (Ctrl-C) stops the two nodes and drops the index too.
    return await ctx.scoped(
      'q1',
      async () => {
        const cluster = await parleyCluster(2, runId, { SEARCH_INDEX: alias });
        // Once, whether the interrupt or the scenario's end asks first.
        let stopped: Promise<void> | undefined;
        const stop = () =>
          (stopped ??= (async () => {
            await cluster.stop();
            await cleanup();
          })());
        return { ...cluster, stop };
      },
      (cluster) => measure(ctx, cluster, queue, searchUrl, alias),
    );
  } finally {
    await cleanup();
  }
}

async function measure(
  ctx: Context,
  cluster: Cluster,
  queue: Queue<SearchJob>,
  searchUrl: string,
  alias: string,
): Promise<ScenarioOutput> {
  const n = ctx.quick ? 100_000 : 1_000_000;
  const servers = cluster.servers;
  const es = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(`${searchUrl}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });
    const body = (await r.json()) as Record<string, unknown>;
    if (!r.ok) throw new Error(`OpenSearch ${path}: ${r.status} ${JSON.stringify(body)}`);
    return body;
  };
  const indexed = async () => {
    await es(`/${alias}/_refresh`, { method: 'POST' });
    return Number((await es(`/${alias}/_count`)).count);
  };
  const meter = new CpuMeter({
    Parley: () => servers.map((s) => s.child.pid),
    [describeDatabase()]: databasePids,
    OpenSearch: () => [stackPid('search')],
    'this harness': () => [process.pid],
    Redis: () => [stackPid('redis')],
    Kafka: () => [stackPid('kafka')],
  });
  // FerretDB's command counts, when its debug listener is on (PARLEY_FERRETDB_DEBUG_ADDR).
  const ferretAddr = process.env.PARLEY_FERRETDB_DEBUG_ADDR;
  const commands = async () =>
    ferretAddr
      ? ferretCommands(
          await fetch(`http://${ferretAddr}/debug/metrics`).then(
            (r) => r.text(),
            () => '',
          ),
        )
      : new Map<string, number>();
  const describeCommands = (
    before: Map<string, number>,
    after: Map<string, number>,
    per: number,
  ) =>
    ferretAddr
      ? [...after]
          .map(([c, v]) => [c, v - (before.get(c) ?? 0)] as const)
          .filter(([, d]) => d > 0)
          .sort((a, b) => b[1] - a[1])
          .map(([c, d]) => `${c} ${d.toLocaleString('en-US')} (${(d / per).toFixed(2)}/msg)`)
          .join(', ')
      : 'FerretDB command counts not read (set PARLEY_FERRETDB_DEBUG_ADDR)';
  const scrapeLag = async () =>
    sumBuckets(
      await Promise.all(
        servers.map(async (s) => lagBuckets(await (await fetch(`${s.url}/metrics`)).text())),
      ),
    );

  const user = randomUUID();
  const tok = await token(user);
  const conversations: string[] = new Array(CONVERSATIONS);
  await pool(CONVERSATIONS, 4, async (i) => {
    const c = await post(`${servers[i % servers.length].url}/conversations`, tok, {
      type: 'group',
      name: `q1-${i}`,
      participants: [randomUUID()],
    });
    conversations[i] = c.id as string;
  });

  log(`storing ${n.toLocaleString('en-US')} messages`);
  const client = await mongo.MongoClient.connect(cluster.mongoUrl!);
  const docs: ReturnType<typeof toSearchDoc>[] = [];
  try {
    const messages = client.db().collection('messages');
    const others = Array.from(
      { length: Math.max(1, Math.round((n - n / SEARCHED_SHARE) / PER_OTHER)) },
      () => new mongo.ObjectId().toHexString(),
    );
    // Seqs far above what the sends below get from their conversations' actors.
    const seqs = new Map([...conversations, ...others].map((c) => [c, 1_000_000]));
    const t0 = Date.now() - n; // one ms apart, oldest first
    const conversationOf = (k: number) =>
      k % SEARCHED_SHARE === 0
        ? conversations[(k / SEARCHED_SHARE) % CONVERSATIONS]
        : others[k % others.length];
    for (let done = 0; done < n; done += 5000) {
      const chunk = Array.from({ length: Math.min(5000, n - done) }, (_, j) => {
        const conversationId = conversationOf(done + j);
        const seq = seqs.get(conversationId)! + 1;
        seqs.set(conversationId, seq);
        const at = new Date(t0 + done + j);
        return {
          _id: new mongo.ObjectId(),
          conversationId: new mongo.ObjectId(conversationId),
          seq,
          senderId: user,
          clientMessageId: `q1-${done + j}`,
          content: sentence(),
          attachments: [],
          parentId: null,
          replyCount: 0,
          lastReplyAt: null,
          replyUserIds: [],
          reactions: [],
          editedAt: null,
          deletedAt: null,
          createdAt: at,
          updatedAt: at,
        };
      });
      await messages.insertMany(chunk, { ordered: false });
      for (const d of chunk) docs.push(toSearchDoc(toMessage(d as never)));
    }
    // The other conversations as stored groups (the worker indexes only live ones' messages).
    const at = new Date(t0);
    for (let i = 0; i < others.length; i += 5000) {
      await client
        .db()
        .collection('conversations')
        .insertMany(
          others.slice(i, i + 5000).map((id) => {
            const member = randomUUID();
            return {
              _id: new mongo.ObjectId(id),
              type: 'group',
              name: 'q1-other',
              participants: [member],
              admins: [member],
              createdBy: member,
              key: `group:${randomUUID()}`,
              lastSeq: seqs.get(id)!,
              lastMessageAt: at,
              lastMessage: null,
              deletions: { seqs: [], from: 1 },
              deletedAt: null,
              createdAt: at,
              updatedAt: at,
            };
          }),
          { ordered: false },
        );
    }
    log(`${others.length.toLocaleString('en-US')} other conversations`);
  } finally {
    await client.close();
  }
  for (let i = 0; i < docs.length; i += BATCH * 20) {
    const jobs: { name: string; data: SearchJob; opts: object }[] = [];
    for (let k = i; k < Math.min(docs.length, i + BATCH * 20); k += BATCH)
      jobs.push({
        name: 'batch',
        data: {
          messages: docs
            .slice(k, k + BATCH)
            .map((d) => ({ conversationId: d.conversationId, messageId: d.id })),
          conversations: [],
        },
        // As the nodes' SearchQueue adds them.
        opts: { attempts: SEARCH_ATTEMPTS, backoff: { type: 'search' } },
      });
    await queue.addBulk(jobs);
  }

  log('indexing through the workers');
  let cmd0 = await commands();
  meter.start();
  const started = performance.now();
  await queue.resume();
  await waitQueueEmpty(queue, 4 * 3_600_000);
  const workerMs = performance.now() - started;
  const indexCpu = cpuPerMessage(meter.stop(), n);
  const indexCommands = describeCommands(cmd0, await commands(), n);
  const count = await indexed();
  if (count !== n) throw new Error(`${count} documents indexed, ${n} stored`);
  const workerRate = (n / workerMs) * 1000;
  log(`worker ${workerRate.toFixed(0)} msg/s; ${indexCpu}`);

  log('raw _bulk of the same documents');
  const raw = `${alias}-raw`;
  await es(`/${raw}`, {
    method: 'PUT',
    body: JSON.stringify({ settings: indexSettings(1, 0), mappings: MAPPINGS }),
  });
  meter.start();
  const rawStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: INFLIGHT }, async () => {
      while (next < docs.length) {
        const batch = docs.slice(next, (next += BATCH));
        const body = batch
          .flatMap(({ version, ...d }) => [
            JSON.stringify({
              index: {
                _id: d.id,
                routing: d.conversationId,
                version,
                version_type: 'external_gte',
              },
            }),
            JSON.stringify(d),
          ])
          .join('\n');
        const r = await es(`/${raw}/_bulk`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: `${body}\n`,
        });
        if (r.errors) throw new Error('raw _bulk: item errors');
      }
    }),
  );
  const rawRate = (n / (performance.now() - rawStarted)) * 1000;
  const rawCpu = describeCpu(meter.stop());
  await es(`/${raw}`, { method: 'DELETE' });
  docs.length = 0;
  log(`raw ${rawRate.toFixed(0)} msg/s; ${rawCpu}`);

  const steadyMs = ctx.quick ? 20_000 : 60_000;
  let expected = n;
  const send = async (server: string, conversationId: string, clientMessageId: string) => {
    const r = await fetch(`${server}/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: sentence(), clientMessageId }),
      signal: AbortSignal.timeout(30_000),
    });
    if (r.status >= 300) throw new Error(`${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  };
  /**
   * One unrecorded send into each conversation, retried until it is acknowledged: it loads
   * the conversation's actor (passivated after a minute idle), which reads the stored history
   * (its highest seq, its newest page: FerretDB sorts a conversation's whole history in
   * memory for both). Returns the seconds it took.
   */
  const warm = async (tag: string) => {
    const t0 = performance.now();
    let round = 0;
    await pool(CONVERSATIONS, 2, async (c) => {
      for (;;) {
        try {
          return await send(
            servers[c % servers.length].url,
            conversations[c],
            `q1-warm-${tag}-${c}`,
          );
        } catch (err) {
          if (performance.now() - t0 > 600_000)
            throw new Error(`warm-up: ${String(err)}`, { cause: err });
          round++;
          await sleep(1000);
        }
      }
    });
    expected += CONVERSATIONS;
    const s = (performance.now() - t0) / 1000;
    log(`warm-up: the 50 actors loaded in ${s.toFixed(1)} s (${round} sends retried)`);
    return s;
  };
  const steady = async (rate: number): Promise<Steady> => {
    const warmS = await warm(String(rate));
    log(`steady ${rate} msg/s for ${steadyMs / 1000} s`);
    const before = await scrapeLag();
    cmd0 = await commands();
    const acks: number[] = [];
    let firstError: string | undefined;
    meter.start();
    const out = await paced({ rate, ms: steadyMs, maxInFlight: rate }, async (i, due) => {
      // Conversation i mod 50, through node 1 for one round of the 50 and node 2 for the next.
      const server = servers[Math.floor(i / CONVERSATIONS) % servers.length];
      const conversationId = conversations[i % CONVERSATIONS];
      await send(server.url, conversationId, `q1-${rate}-${i}`).catch((err: unknown) => {
        firstError ??= String(err);
        throw err;
      });
      acks.push(performance.now() - due);
    });
    const cpuUse = meter.stop();
    const acked = acks.length;
    const cpu = cpuPerMessage(cpuUse, acked);
    expected += acked;
    // Every acknowledged message reaches the index through the outbox, the relay and a job.
    const deadline = Date.now() + CATCH_UP_MS;
    let caughtUp = false;
    while (Date.now() < deadline && !(caughtUp = (await indexed()) >= expected)) await sleep(500);
    if (!caughtUp) expected = await indexed();
    const after = await scrapeLag();
    const p50 = bucketPercentile(before, after, 50);
    const p99 = bucketPercentile(before, after, 99);
    const s: Steady = {
      rate,
      ms: steadyMs,
      ...out,
      acked,
      firstError,
      ackP50: percentile(acks, 50),
      ackP99: percentile(acks, 99),
      caughtUp,
      lagP50: p50.bound,
      lagP99: p99.bound,
      lagSamples: p99.samples,
      cpu,
      warmS,
      commands: describeCommands(cmd0, await commands(), Math.max(1, acked)),
    };
    log(
      `steady ${rate}: ${acked}/${out.scheduled} acknowledged (skipped ${out.skipped}, failed ${out.failed}${firstError ? `, first error ${firstError.slice(0, 160)}` : ''}), ack p50 ${s.ackP50.toFixed(0)} p99 ${s.ackP99.toFixed(0)} ms, ${caughtUp ? 'all indexed' : 'NOT all indexed'}, lag p50 ≤ ${s.lagP50} s p99 ≤ ${s.lagP99} s; ${cpu}; FerretDB ${s.commands}`,
    );
    return s;
  };
  const steadies = [await steady(RATE)];
  for (const rate of LOWER_RATES) {
    if (kept(steadies[steadies.length - 1])) break;
    steadies.push(await steady(rate));
  }

  log('queries');
  const queries = ctx.quick ? 100 : 300;
  const empty = { one: 0, three: 0 };
  const timed = async (kind: keyof typeof empty, q: () => string) => {
    const ms: number[] = [];
    for (let i = 0; i < queries; i++) {
      const t = performance.now();
      const r = await fetch(
        `${servers[i % servers.length].url}/search?q=${encodeURIComponent(q())}`,
        { headers: { authorization: `Bearer ${tok}` } },
      );
      if (!r.ok) throw new Error(`search: ${r.status} ${await r.text()}`);
      const body = (await r.json()) as { items: unknown[] };
      ms.push(performance.now() - t);
      if (body.items.length === 0) empty[kind]++;
    }
    return ms;
  };
  const one = await timed('one', () => word());
  const three = await timed('three', () => [word(), word(), word().slice(0, 3)].join(' '));
  const size = indexSize(await es(`/${alias}/_stats/docs,store`));

  const name = `${n.toLocaleString('en-US')} messages, a tenth in the searcher's 50 conversations`;
  const rows: Row[] = [
    row({
      key: 'q1.index',
      scenario: 'Q1',
      name,
      metric: 'indexed through the workers',
      value: workerRate,
      unit: 'msg/s',
      ceiling: rawRate,
    }),
    row({ scenario: 'Q1', name, metric: 'raw _bulk (ceiling)', value: rawRate, unit: 'msg/s' }),
  ];
  for (const s of steadies) {
    const label = `steady ${s.rate} msg/s, ${s.ms / 1000} s${kept(s) ? '' : ' (not kept up)'}`;
    rows.push(
      row({
        key: s.rate === RATE ? 'q1.lag' : undefined,
        scenario: 'Q1',
        name: label,
        metric: 'indexing lag p99 (bucket bound)',
        value: s.lagP99,
        unit: 's',
      }),
      row({
        scenario: 'Q1',
        name: label,
        metric: 'sends acknowledged',
        value: s.acked / (s.ms / 1000),
        unit: 'msg/s',
      }),
      row({ scenario: 'Q1', name: label, metric: 'send ack p99', value: s.ackP99, unit: 'ms' }),
    );
  }
  for (const [what, ms] of [
    ['one term', one],
    ['three terms (last a prefix)', three],
  ] as const)
    for (const p of [50, 99])
      rows.push(
        row({
          scenario: 'Q1',
          name: `query, ${what}`,
          metric: `p${p}`,
          value: percentile(ms, p),
          unit: 'ms',
        }),
      );
  rows.push(
    row({ scenario: 'Q1', name, metric: 'index size', value: size.bytes / 2 ** 20, unit: 'MiB' }),
    row({ scenario: 'Q1', name, metric: 'index documents', value: size.docs, unit: 'docs' }),
  );
  const notes = [
    `Two Parley nodes, each running the search-index worker (2 jobs at a time), on ${describeDatabase()} and a single-node OpenSearch; ` +
      `the raw _bulk runs ${INFLIGHT} requests of ${BATCH} at a time. Indexing: ${indexCpu}; FerretDB ${indexCommands}. Raw _bulk: ${rawCpu}.`,
    ...steadies.map(
      (s) =>
        `Steady ${s.rate} msg/s (REST sends, open loop, round-robin over the 50 conversations and both nodes, at most ${s.rate} unanswered; ` +
        `before it one send into each conversation loaded the 50 actors in ${s.warmS.toFixed(1)} s): ` +
        `${s.acked.toLocaleString('en-US')} of ${s.scheduled.toLocaleString('en-US')} acknowledged, ${s.skipped} skipped (too many unanswered), ${s.failed} failed` +
        `${s.firstError ? ` (first: ${s.firstError.slice(0, 120)})` : ''}; ack p50 ${s.ackP50.toFixed(0)} ms, p99 ${s.ackP99.toFixed(0)} ms; ` +
        `${s.caughtUp ? 'every acknowledged message indexed' : `NOT every acknowledged message indexed ${CATCH_UP_MS / 1000} s after the last send`}; ` +
        `lag over ${s.lagSamples.toLocaleString('en-US')} indexings: p50 ≤ ${s.lagP50} s, p99 ≤ ${s.lagP99} s (histogram bucket bounds). ${s.cpu}. FerretDB ${s.commands}.`,
    ),
    `Queries one at a time by the member of the 50 conversations (${queries} of each kind; no hit for ${empty.one} one-term and ${empty.three} three-term queries); ` +
      `index ${(size.bytes / 2 ** 20).toFixed(1)} MiB for ${size.docs.toLocaleString('en-US')} documents ` +
      `(${(size.bytes / size.docs).toFixed(0)} bytes each, ${size.deleted.toLocaleString('en-US')} deleted not yet merged away).`,
  ];
  return { rows, notes };
}
