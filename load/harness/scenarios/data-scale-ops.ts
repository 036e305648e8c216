/**
 * D1's operations, run against one two-node cluster through its public surface only (REST
 * and Socket.IO), one at a time except the steady sends. Each operation has a warm-up that
 * is not recorded, then samples until it has enough or its time is up; every sample checks
 * its answer, and one that is refused, not answered within OP_MS or answered wrongly counts
 * as failed. An operation whose warm-up already times out is reported as one failure and not
 * sampled further (at this scale it does not work), and before each operation the
 * database and the nodes are let go quiet, so that one operation's backlog does not land on
 * the next.
 */
import { io, Socket } from 'socket.io-client';
import { CpuMeter, databasePids } from '../cpu';
import type { Probes } from '../dataset';
import { pool, token } from '../processes';

/** An interactive operation not answered within this long has failed its user. */
export const OP_MS = 10_000;
/** Opening the sockets the operations use (not measured). */
const SETUP_MS = 60_000;
/** How long after its ack a message sent right after `connect` may take to arrive live. */
export const LIVE_MS = 5000;

export type OpId =
  'connect' | 'joined' | 'sync' | 'newest' | 'old' | 'send' | 'edit' | 'read' | 'list';

export interface Series {
  times: number[];
  failed: number;
  firstError?: string;
  /** Database CPU milliseconds per recorded sample over the operation's phase. */
  dbCpuMs?: number;
}

export interface Budget {
  warmup: number;
  samples: number;
  ms: number;
  sendRate: number;
  sendMs: number;
}

const newSeries = (): Series => ({ times: [], failed: 0 });

function fail(s: Series | undefined, err: unknown): void {
  if (!s) return;
  s.failed++;
  s.firstError ??= String(err instanceof Error ? err.message : err).slice(0, 200);
}

/** Runs `fn`, recording its time (or its failure) into `s`. */
async function timed(s: Series, fn: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  try {
    await fn();
    s.times.push(performance.now() - t0);
  } catch (err) {
    fail(s, err);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms))),
  ]).finally(() => clearTimeout(timer));
}

function opened(socket: Socket, ms = OP_MS): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => reject(err));
    }),
    ms,
    'connect timed out',
  );
}

const client = (url: string, tok: string, ms = OP_MS) =>
  io(`${url}/chat`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: ms,
    auth: { token: tok },
  });

async function ack<T>(socket: Socket, event: string, payload: unknown, ms = OP_MS): Promise<T> {
  const answer = (await socket.timeout(ms).emitWithAck(event, payload)) as {
    ok: boolean;
    data?: T;
    error?: unknown;
  };
  if (!answer?.ok) throw new Error(`${event} refused: ${JSON.stringify(answer?.error)}`);
  return answer.data as T;
}

/** A connected socket whose rooms are live (Parley answers a command once they are). */
async function ready(url: string, tok: string): Promise<Socket> {
  const socket = client(url, tok, SETUP_MS);
  await opened(socket, SETUP_MS);
  await ack(socket, 'sync', { cursors: {} }, SETUP_MS);
  return socket;
}

async function get<T>(url: string, tok: string): Promise<T> {
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${tok}` },
    signal: AbortSignal.timeout(OP_MS),
  });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

type Page = { items: { seq: number }[]; hasMore: boolean };

/**
 * Measures every operation on the cluster at `urls` holding `probes`' fixtures. Sockets:
 * P and the two readers on both nodes, X (who sends to K) on node 2, K connecting to node 1
 * where nobody else is in K's conversations, the steady senders alternating.
 */
export async function measureOps(
  urls: string[],
  probes: Probes,
  budget: Budget,
  quiet: () => Promise<void>,
  log: (line: string) => void,
): Promise<Record<OpId, Series>> {
  const lastSeq = { ...probes.lastSeq };
  const tokens = new Map<string, string>();
  const users = [
    probes.p,
    probes.hub,
    probes.k,
    probes.x,
    ...probes.readers,
    ...probes.traffic.map((t) => t.senderId),
  ];
  for (const u of users) tokens.set(u, await token(u));
  const tok = (u: string) => tokens.get(u)!;
  const node = (i: number) => urls[i % urls.length];
  const sockets: Socket[] = [];
  const open = async (url: string, user: string) => {
    const s = await ready(url, tok(user));
    sockets.push(s);
    return s;
  };
  const series = {} as Record<OpId, Series>;
  const meter = new CpuMeter({ database: databasePids });

  /** Warm-up, then samples until `max` or the time budget (at least one). */
  const phase = async (
    ids: OpId[],
    op: (k: number, rec: Record<string, Series>) => Promise<void>,
    max = budget.samples,
  ) => {
    for (const id of ids) series[id] = newSeries();
    await quiet();
    const t0 = performance.now();
    const warm: Record<string, Series> = Object.fromEntries(ids.map((id) => [id, newSeries()]));
    for (let w = 0; w < budget.warmup && performance.now() - t0 < budget.ms / 4; w++) {
      const started = performance.now();
      await op(w, warm);
      // Not answered in time (a wrong answer or a missed message is sampled, and counted).
      const broken = ids.filter((id) => warm[id].failed);
      if (broken.length && performance.now() - started >= OP_MS) {
        for (const id of broken) fail(series[id], warm[id].firstError);
        log(`${ids.join('+')}: failed in its warm-up (${warm[broken[0]].firstError}); not sampled`);
        return;
      }
    }
    meter.start();
    const t1 = performance.now();
    let k = 0;
    while (k < max && (k === 0 || performance.now() - t1 < budget.ms))
      await op(budget.warmup + k++, series);
    const cpu = meter.stop();
    for (const id of ids) series[id].dbCpuMs = (cpu.cpu.database * 1000) / k;
    const s = series[ids[0]];
    log(
      `${ids.join('+')}: ${k} samples in ${((performance.now() - t1) / 1000).toFixed(1)} s, ${s.failed} failed${s.firstError ? ` (${s.firstError})` : ''}`,
    );
  };

  try {
    const p = [await open(node(0), probes.p), await open(node(1), probes.p)];
    const readers = [
      await open(node(0), probes.readers[0]),
      await open(node(1), probes.readers[1]),
    ];
    const x = await open(node(1), probes.x);
    const senders = [];
    for (const [i, t] of probes.traffic.entries()) senders.push(await open(node(i), t.senderId));

    // Connect: K's socket on node 1; right after its `connect`, X sends into K's first
    // conversation from node 2. "joined": until a sync of that conversation is answered
    // (Parley answers commands once the socket's rooms are live); "connect": until that
    // message arrives on K's socket as `message:new`.
    const kc = probes.kConversations[0];
    await phase(['connect', 'joined'], async (k, rec) => {
      const t0 = performance.now();
      const socket = client(node(0), tok(probes.k));
      const cmid = `d1-connect-${k}-${t0}`;
      const live = new Promise<number>((resolve) =>
        socket.on('message:new', (m: { clientMessageId?: string }) => {
          if (m.clientMessageId === cmid) resolve(performance.now());
        }),
      );
      try {
        try {
          await opened(socket);
        } catch (err) {
          fail(rec.connect, err);
          fail(rec.joined, err);
          return;
        }
        const joined = ack(socket, 'sync', { cursors: { [kc]: lastSeq[kc] } }).then(
          () => void rec.joined.times.push(performance.now() - t0),
          (err: unknown) => fail(rec.joined, err),
        );
        try {
          const sent = await ack<{ seq: number }>(x, 'message:send', {
            conversationId: kc,
            content: `connect probe ${k}`,
            clientMessageId: cmid,
          });
          lastSeq[kc] = Math.max(lastSeq[kc], sent.seq);
          const at = await withTimeout(
            live,
            LIVE_MS,
            'the message sent right after connect never arrived live',
          );
          rec.connect.times.push(at - t0);
        } catch (err) {
          fail(rec.connect, err);
        }
        await joined;
      } finally {
        socket.disconnect();
      }
    });

    const cursors = () => Object.fromEntries(probes.pConversations.map((c) => [c, lastSeq[c]]));
    await phase(['sync'], (k, rec) =>
      timed(rec.sync, async () => {
        const answer = await ack<Record<string, { messages: unknown[] }>>(p[k % 2], 'sync', {
          cursors: cursors(),
        });
        const got = Object.values(answer).reduce((n, a) => n + a.messages.length, 0);
        if (Object.keys(answer).length !== probes.pConversations.length || got)
          throw new Error(
            `sync answered ${Object.keys(answer).length} conversations, ${got} messages`,
          );
      }),
    );

    const messages = (k: number, query: string) =>
      get<Page>(`${node(k)}/conversations/${probes.long}/messages${query}`, tok(probes.p));
    await phase(['newest'], (k, rec) =>
      timed(rec.newest, async () => {
        const page = await messages(k, '');
        if (page.items.length !== 50 || page.items[49].seq !== lastSeq[probes.long])
          throw new Error(`the newest page ended at ${page.items.at(-1)?.seq}`);
      }),
    );
    await phase(['old'], (k, rec) =>
      timed(rec.old, async () => {
        const page = await messages(k, '?before=51');
        if (page.items.length !== 50 || page.items[0].seq !== 1)
          throw new Error(`the old page started at ${page.items[0]?.seq}`);
      }),
    );

    await phase(['list'], (k, rec) =>
      timed(rec.list, async () => {
        const list = await get<{ items: unknown[] }>(
          `${node(k)}/conversations?limit=50`,
          tok(probes.hub),
        );
        if (list.items.length !== probes.hubConversations.length)
          throw new Error(`GET /conversations listed ${list.items.length}`);
      }),
    );

    await phase(['edit'], (k, rec) =>
      timed(rec.edit, () =>
        ack(p[k % 2], 'message:edit', {
          conversationId: probes.long,
          messageId: probes.edits[k % probes.edits.length],
          content: `edited ${k}`,
        }),
      ),
    );

    // Each reader's cursor moves one message per receipt, from 0.
    const readSeq = [0, 0];
    const readable = 2 * lastSeq[probes.long] - budget.warmup;
    await phase(
      ['read'],
      (k, rec) =>
        timed(rec.read, async () => {
          const seq = ++readSeq[k % 2];
          const got = await ack<{ readSeq: number }>(readers[k % 2], 'read', {
            conversationId: probes.long,
            seq,
          });
          if (got.readSeq !== seq) throw new Error(`read ${seq} answered readSeq ${got.readSeq}`);
        }),
      Math.min(budget.samples, readable),
    );

    await quiet();
    series.send = await steadySends(senders, probes, budget, meter);
    log(`send: ${series.send.times.length} acknowledged, ${series.send.failed} failed`);
    return series;
  } finally {
    for (const s of sockets) s.disconnect();
  }
}

/**
 * Open loop: `sendRate` messages per second round-robin over the traffic conversations for
 * `sendMs`, each timed from its scheduled instant to its ack (after one unrecorded send into
 * each conversation, which loads its actor).
 */
async function steadySends(
  senders: Socket[],
  probes: Probes,
  budget: Budget,
  meter: CpuMeter,
): Promise<Series> {
  const s = newSeries();
  const send = (i: number, tag: string) =>
    ack(senders[i % senders.length], 'message:send', {
      conversationId: probes.traffic[i % senders.length].conversationId,
      content: `steady ${tag} ${i}`,
      clientMessageId: `d1-${tag}-${i}-${Date.now()}`,
    });
  await pool(senders.length, 4, (i) => send(i, 'warm').catch(() => undefined));
  const total = Math.round((budget.sendRate * budget.sendMs) / 1000);
  const pending: Promise<void>[] = [];
  meter.start();
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / budget.sendRate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      send(i, 'steady').then(
        () => void s.times.push(performance.now() - due),
        (err: unknown) => fail(s, err),
      ),
    );
  }
  await Promise.all(pending);
  s.dbCpuMs = (meter.stop().cpu.database * 1000) / total;
  return s;
}
