/**
 * D1's operations, run through the public surface only (REST and Socket.IO) against two
 * clusters at once, the empty database's and the full one's, interleaved: each operation
 * alternates blocks of samples between the two (one operation in flight at a time, the
 * steady sends in alternating slices), so that a machine that gets busier or quieter during
 * the run weighs on both sides alike and the ratio stays the data's effect.
 *
 * Each operation has a warm-up that is not recorded, then samples until it has enough or its
 * time is up; every sample checks its answer, and one that is refused, not answered within
 * OP_MS or answered wrongly counts as failed. A side whose warm-up already times out is
 * reported as one failure and not sampled further (at that scale it does not work); before
 * each operation the nodes and the database are let go quiet.
 */
import type { Socket } from 'socket.io-client';
import { CpuMeter, databasePids } from '../cpu';
import type { Probes } from '../dataset';
import { pool, token } from '../processes';
import {
  ack,
  client,
  fail,
  get,
  newSeries,
  OP_MS,
  opened,
  ready,
  Series,
  timed,
  withTimeout,
} from './data-scale-client';

export { OP_MS } from './data-scale-client';
export type { Series } from './data-scale-client';

/** How long after its ack a message sent right after `connect` may take to arrive live. */
export const LIVE_MS = 5000;
/** Samples of one side in a row before the other side's turn. */
const BLOCK = 10;
/** Turns each side gets at the steady sends. */
const SEND_SLICES = 4;

export type OpId =
  'connect' | 'joined' | 'sync' | 'newest' | 'old' | 'send' | 'edit' | 'read' | 'list';

export interface Budget {
  warmup: number;
  /** Most samples per side and operation. */
  samples: number;
  /** Time per side and operation (both sides together take twice this). */
  ms: number;
  sendRate: number;
  sendMs: number;
}

/** One cluster with its fixtures and the sockets the operations use. */
export interface Side {
  label: string;
  urls: string[];
  probes: Probes;
  series: Record<OpId, Series>;
}

interface Open extends Side {
  lastSeq: Record<string, number>;
  tok(user: string): string;
  /** P on node 1 and 2, the readers on node 1 and 2, X on node 2, the steady senders. */
  p: Socket[];
  readers: Socket[];
  readSeq: number[];
  x: Socket;
  senders: Socket[];
  sockets: Socket[];
  /** Database CPU seconds of this side's samples in the current phase. */
  cpu: number;
  broken: boolean;
}

type Page = { items: { seq: number }[]; hasMore: boolean };
type Op = (s: Open, k: number, rec: Record<string, Series>) => Promise<void>;

const node = (s: Open, i: number) => s.urls[i % s.urls.length];

async function open(side: Side): Promise<Open> {
  const { probes } = side;
  const tokens = new Map<string, string>();
  for (const u of [
    probes.p,
    probes.hub,
    probes.k,
    probes.x,
    ...probes.readers,
    ...probes.traffic.map((t) => t.senderId),
  ])
    tokens.set(u, await token(u));
  const s = {
    ...side,
    lastSeq: { ...probes.lastSeq },
    tok: (u: string) => tokens.get(u)!,
    readSeq: [0, 0],
    sockets: [] as Socket[],
    cpu: 0,
    broken: false,
  } as Open;
  const connect = async (i: number, user: string) => {
    const socket = await ready(node(s, i), s.tok(user));
    s.sockets.push(socket);
    return socket;
  };
  s.p = [await connect(0, probes.p), await connect(1, probes.p)];
  s.readers = [await connect(0, probes.readers[0]), await connect(1, probes.readers[1])];
  s.x = await connect(1, probes.x);
  s.senders = [];
  for (const [i, t] of probes.traffic.entries()) s.senders.push(await connect(i, t.senderId));
  return s;
}

// Connect: K's socket on node 1, where nobody else is in K's conversations; right after its
// `connect`, X sends into K's first conversation from node 2. "joined": until a sync of that
// conversation is answered (Parley answers commands once the socket's rooms are live);
// "connect": until that message arrives on K's socket as `message:new`.
const connectOp: Op = async (s, k, rec) => {
  const kc = s.probes.kConversations[0];
  const t0 = performance.now();
  const socket = client(node(s, 0), s.tok(s.probes.k));
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
    const joined = ack(socket, 'sync', { cursors: { [kc]: s.lastSeq[kc] } }).then(
      () => void rec.joined.times.push(performance.now() - t0),
      (err: unknown) => fail(rec.joined, err),
    );
    try {
      const sent = await ack<{ seq: number }>(s.x, 'message:send', {
        conversationId: kc,
        content: `connect probe ${k}`,
        clientMessageId: cmid,
      });
      s.lastSeq[kc] = Math.max(s.lastSeq[kc], sent.seq);
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
};

const syncOp: Op = (s, k, rec) =>
  timed(rec.sync, async () => {
    const cursors = Object.fromEntries(s.probes.pConversations.map((c) => [c, s.lastSeq[c]]));
    const answer = await ack<Record<string, { messages: unknown[] }>>(s.p[k % 2], 'sync', {
      cursors,
    });
    const got = Object.values(answer).reduce((n, a) => n + a.messages.length, 0);
    if (Object.keys(answer).length !== s.probes.pConversations.length || got)
      throw new Error(`sync answered ${Object.keys(answer).length} conversations, ${got} messages`);
  });

const messages = (s: Open, k: number, query: string) =>
  get<Page>(`${node(s, k)}/conversations/${s.probes.long}/messages${query}`, s.tok(s.probes.p));

const newestOp: Op = (s, k, rec) =>
  timed(rec.newest, async () => {
    const page = await messages(s, k, '');
    if (page.items.length !== 50 || page.items[49].seq !== s.lastSeq[s.probes.long])
      throw new Error(`the newest page ended at ${page.items.at(-1)?.seq}`);
  });

const oldOp: Op = (s, k, rec) =>
  timed(rec.old, async () => {
    const page = await messages(s, k, '?before=51');
    if (page.items.length !== 50 || page.items[0].seq !== 1)
      throw new Error(`the old page started at ${page.items[0]?.seq}`);
  });

const listOp: Op = (s, k, rec) =>
  timed(rec.list, async () => {
    const list = await get<{ items: unknown[] }>(
      `${node(s, k)}/conversations?limit=50`,
      s.tok(s.probes.hub),
    );
    if (list.items.length !== s.probes.hubConversations.length)
      throw new Error(`GET /conversations listed ${list.items.length}`);
  });

const editOp: Op = (s, k, rec) =>
  timed(rec.edit, () =>
    ack(s.p[k % 2], 'message:edit', {
      conversationId: s.probes.long,
      messageId: s.probes.edits[k % s.probes.edits.length],
      content: `edited ${k}`,
    }),
  );

// Each reader's cursor moves one message per receipt, from 0.
const readOp: Op = (s, k, rec) =>
  timed(rec.read, async () => {
    const seq = ++s.readSeq[k % 2];
    const got = await ack<{ readSeq: number }>(s.readers[k % 2], 'read', {
      conversationId: s.probes.long,
      seq,
    });
    if (got.readSeq !== seq) throw new Error(`read ${seq} answered readSeq ${got.readSeq}`);
  });

/**
 * Measures every operation on both sides (`sides[0]` the empty database, `sides[1]` the
 * full one); fills each side's `series`.
 */
export async function measureOps(
  sides: Side[],
  budget: Budget,
  quiet: () => Promise<void>,
  log: (line: string) => void,
): Promise<void> {
  const meter = new CpuMeter({ database: databasePids });
  const opened: Open[] = [];
  /** Warm-up, then blocks of samples alternating between the sides, until `max` or the time. */
  const phase = async (ids: OpId[], op: Op, max = budget.samples) => {
    await quiet();
    for (const s of opened) {
      s.cpu = 0;
      s.broken = false;
      for (const id of ids) s.series[id] = newSeries();
      const warm = Object.fromEntries(ids.map((id) => [id, newSeries()]));
      const w0 = performance.now();
      for (let w = 0; w < budget.warmup && performance.now() - w0 < budget.ms / 4; w++) {
        const started = performance.now();
        await op(s, w, warm);
        // Not answered in time (a wrong answer or a missed message is sampled, and counted).
        const failed = ids.filter((id) => warm[id].failed);
        if (failed.length && performance.now() - started >= OP_MS) {
          for (const id of failed) fail(s.series[id], warm[id].firstError);
          log(`${s.label}: ${ids.join('+')} failed in its warm-up (${warm[failed[0]].firstError})`);
          s.broken = true;
          break;
        }
      }
    }
    const t1 = performance.now();
    let k = 0;
    for (let block = 0; k < max && (k === 0 || performance.now() - t1 < 2 * budget.ms); block++) {
      const n = Math.min(BLOCK, max - k);
      for (const s of block % 2 ? [...opened].reverse() : opened) {
        if (s.broken) continue;
        meter.start();
        for (let j = 0; j < n; j++) await op(s, budget.warmup + k + j, s.series);
        s.cpu += meter.stop().cpu.database;
      }
      k += n;
    }
    for (const s of opened)
      for (const id of ids) s.series[id].dbCpuMs = s.broken ? NaN : (s.cpu * 1000) / k;
    log(
      `${ids.join('+')}: ${k} samples a side in ${((performance.now() - t1) / 1000).toFixed(1)} s; ` +
        opened.map((s) => `${s.label} ${s.series[ids[0]].failed} failed`).join(', '),
    );
  };

  try {
    for (const side of sides) opened.push(await open(side));
    await phase(['connect', 'joined'], connectOp);
    await phase(['sync'], syncOp);
    await phase(['newest'], newestOp);
    await phase(['old'], oldOp);
    await phase(['list'], listOp);
    await phase(['edit'], editOp);
    const readable = Math.min(...opened.map((s) => 2 * s.lastSeq[s.probes.long])) - budget.warmup;
    await phase(['read'], readOp, Math.min(budget.samples, readable));
    await quiet();
    await steadySends(opened, budget, meter);
    log(`send: ${opened.map((s) => `${s.label} ${s.series.send.failed} failed`).join(', ')}`);
  } finally {
    for (const s of opened) for (const socket of s.sockets) socket.disconnect();
  }
}

/**
 * Open loop: `sendRate` messages per second round-robin over the traffic conversations, each
 * timed from its scheduled instant to its ack, in SEND_SLICES turns per side of `sendMs` in
 * all (after one unrecorded send into each conversation, which loads its actor).
 */
async function steadySends(sides: Open[], budget: Budget, meter: CpuMeter): Promise<void> {
  const send = (s: Open, i: number, tag: string) =>
    ack(s.senders[i % s.senders.length], 'message:send', {
      conversationId: s.probes.traffic[i % s.senders.length].conversationId,
      content: `steady ${tag} ${i}`,
      clientMessageId: `d1-${tag}-${i}-${Date.now()}`,
    });
  for (const s of sides) {
    s.series.send = newSeries();
    s.cpu = 0;
    await pool(s.senders.length, 4, (i) => send(s, i, 'warm').catch(() => undefined));
  }
  const perSlice = Math.round((budget.sendRate * budget.sendMs) / 1000 / SEND_SLICES);
  for (let slice = 0; slice < SEND_SLICES; slice++)
    for (const s of slice % 2 ? [...sides].reverse() : sides) {
      const pending: Promise<void>[] = [];
      meter.start();
      const start = performance.now();
      for (let j = 0; j < perSlice; j++) {
        const i = slice * perSlice + j;
        const due = start + (j * 1000) / budget.sendRate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        pending.push(
          send(s, i, 'steady').then(
            () => void s.series.send.times.push(performance.now() - due),
            (err: unknown) => fail(s.series.send, err),
          ),
        );
      }
      await Promise.all(pending);
      s.cpu += meter.stop().cpu.database;
    }
  for (const s of sides) s.series.send.dbCpuMs = (s.cpu * 1000) / (perSlice * SEND_SLICES);
}
