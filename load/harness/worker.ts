/**
 * One load-generator process (forked by generator.ts): holds its share of the client
 * sockets, sends at an open-loop rate from its senders, and counts and times every
 * `message:new` its sockets receive. A send carries its scheduled wall-clock instant in the
 * content, so the receiving worker, whichever it is, times the delivery from when the send
 * was due, not from when a possibly late generator got round to it.
 */
import { performance } from 'node:perf_hooks';
import { io, Socket } from 'socket.io-client';
import { encode, newHistogram, recordMs } from './histogram';
import { backoffMs } from './search';
import type { ClientSpec, Command, Reply } from './generator';

const CONNECT_TIMEOUT_MS = 20_000;
const CONNECT_ATTEMPTS = 3;
const ACK_TIMEOUT_MS = 30_000;
// With Parley's envelope this makes a `message:new` of about 400 bytes of JSON.
const PAD = 'the quick brown fox jumps over the lazy dog, again and again';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Client {
  spec: ClientSpec;
  socket: Socket;
  /** Highest seq seen in its room (live or by sync). */
  lastSeq: number;
  /** Every seq seen, for the reconnect audit (only when the spec asks to track). */
  seen?: Set<number>;
  /** With `seen`: the highest seq up to which nothing is missing (what sync starts from). */
  contiguous: number;
  /** Dropped by `drop` and not yet reconnected and synced. */
  down?: boolean;
}

function see(c: Client, seq: number): void {
  if (seq > c.lastSeq) c.lastSeq = seq;
  if (!c.seen) return;
  c.seen.add(seq);
  while (c.seen.has(c.contiguous + 1)) c.contiguous++;
}

/** Where a sync starts: after a gap a live message past it must not hide the gap. */
const cursor = (c: Client) => (c.seen ? c.contiguous : c.lastSeq);

const clients: Client[] = [];
let step = '';
let hist = newHistogram();
let deliveries = 0;
/** Highest acknowledged seq per room of this worker's sends. */
const acked = new Map<string, number>();

function onMessage(c: Client, m: { seq?: number; content?: string }): void {
  see(c, Number(m.seq) || 0);
  const [t, tag] = String(m.content).split('|', 2);
  if (tag !== step) return;
  deliveries++;
  recordMs(hist, now() - Number(t));
}

async function sync(c: Client): Promise<{ messages: number; resent: number }> {
  let messages = 0;
  let resent = 0;
  for (;;) {
    const from = cursor(c);
    const answer = await c.socket
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck('sync', { cursors: c.spec.room ? { [c.spec.room]: from } : {} });
    if (!answer?.ok) throw new Error(`sync refused: ${JSON.stringify(answer?.error)}`);
    const page = answer.data?.[c.spec.room] as
      { messages: { seq: number }[]; hasMore: boolean } | undefined;
    for (const m of page?.messages ?? []) {
      messages++;
      if (c.seen ? c.seen.has(m.seq) : m.seq <= c.lastSeq) resent++;
      see(c, m.seq);
    }
    // A page that does not move the cursor (a gap in what the server has) ends the sync.
    if (!page?.hasMore || cursor(c) === from) return { messages, resent };
  }
}

function open(c: Client): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => {
      c.socket.off('connect', ok);
      reject(new Error(`connect ${c.spec.url}: ${err.message}`));
    };
    const ok = () => {
      c.socket.off('connect_error', fail);
      resolve();
    };
    c.socket.once('connect', ok);
    c.socket.once('connect_error', fail);
    c.socket.connect();
  });
}

async function connect(specs: ClientSpec[], concurrency: number) {
  let next = 0;
  let failed = 0;
  let retries = 0;
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, specs.length) }, async () => {
      while (next < specs.length) {
        const spec = specs[next++];
        const socket = io(`${spec.url}/chat`, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          autoConnect: false,
          timeout: CONNECT_TIMEOUT_MS,
          auth: spec.auth,
          // Many source addresses in 127.0.0.0/8: each has its own ephemeral port range.
          localAddress: spec.localAddress,
        } as Parameters<typeof io>[1]);
        const c: Client = {
          spec,
          socket,
          lastSeq: 0,
          seen: spec.track ? new Set() : undefined,
          contiguous: 0,
        };
        socket.on('message:new', (m) => onMessage(c, m));
        // A refused connection is tried again, as a client would, before it counts as failed.
        for (let attempt = 1; ; attempt++) {
          try {
            if (!socket.connected) await open(c);
            // Parley answers sync once the socket's rooms are live (subscribed on its node).
            await sync(c);
            clients.push(c);
            break;
          } catch (err) {
            firstError ??= String(err);
            if (attempt < CONNECT_ATTEMPTS) {
              retries++;
              await sleep(250 * attempt);
              continue;
            }
            failed++;
            socket.disconnect();
            break;
          }
        }
      }
    }),
  );
  return { connected: specs.length - failed, failed, retries, firstError };
}

/** Sends `rate` messages per second in total, round-robin over the senders, for `ms`. */
async function load(id: string, rate: number, ms: number) {
  step = id;
  hist.destroy();
  hist = newHistogram();
  deliveries = 0;
  const senders = clients.filter((c) => c.spec.sender && c.socket.connected);
  let sent = 0;
  let failed = 0;
  let answered = 0;
  let firstError: string | undefined;
  const total = senders.length ? Math.round((rate * ms) / 1000) : 0;
  const start = now();
  const emit = (i: number) => {
    const c = senders[i % senders.length];
    const due = start + (i * 1000) / rate;
    sent++;
    c.socket
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck('message:send', {
        conversationId: c.spec.room,
        content: `${due}|${id}|${PAD}`,
        clientMessageId: `${id}-${process.pid}-${i}`,
      })
      .then(
        (answer: { ok: boolean; data?: { seq: number }; error?: unknown }) => {
          answered++;
          if (answer?.ok) {
            const seq = answer.data?.seq ?? 0;
            if (seq > (acked.get(c.spec.room) ?? 0)) acked.set(c.spec.room, seq);
            return;
          }
          failed++;
          firstError ??= JSON.stringify(answer?.error);
        },
        (err: Error) => {
          answered++;
          failed++;
          firstError ??= err.message;
        },
      );
  };
  let i = 0;
  while (i < total) {
    const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
    for (; i < due; i++) emit(i);
    if (i < total) await sleep(1);
  }
  const deadline = now() + ACK_TIMEOUT_MS;
  while (answered < sent && now() < deadline) await sleep(5);
  return { sent, failed, unanswered: sent - answered, firstError };
}

/** Keeps `inflight` sends outstanding over the senders for `ms`; counts acknowledgements. */
async function closed(id: string, inflight: number, ms: number) {
  const senders = clients.filter((c) => c.spec.sender && c.socket.connected);
  let okCount = 0;
  let failed = 0;
  let n = 0;
  let firstError: string | undefined;
  const latency = newHistogram();
  const end = now() + ms;
  await Promise.all(
    Array.from({ length: senders.length ? inflight : 0 }, async (_, k) => {
      while (now() < end) {
        const c = senders[(k + n++) % senders.length];
        const t0 = now();
        try {
          const answer = await c.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message:send', {
            conversationId: c.spec.room,
            content: `${t0}|${id}|${PAD}`,
            clientMessageId: `${id}-${process.pid}-${n}`,
          });
          if (!answer?.ok) throw new Error(JSON.stringify(answer?.error));
          recordMs(latency, now() - t0);
          if (now() <= end) okCount++;
        } catch (err) {
          failed++;
          firstError ??= String(err);
        }
      }
    }),
  );
  const result = { acked: okCount, failed, firstError, latency: encode(latency) };
  latency.destroy();
  return result;
}

/** Drops the transport of every tracked socket at once, as a network cut would. */
function drop() {
  const dropped = clients.filter((c) => c.spec.track);
  for (const c of dropped) {
    c.down = true;
    c.socket.io.engine.close();
  }
  return { dropped: dropped.length };
}

/**
 * Reconnects every dropped socket at once and syncs it, as a client would: a refused or
 * timed-out attempt is retried after socket.io-client's default backoff until `deadline`.
 * Times each client from `since`.
 */
async function reconnect(since: number, deadline: number) {
  const storm = clients.filter((c) => c.spec.track);
  const times: number[] = [];
  let failed = 0;
  let messages = 0;
  let resent = 0;
  let firstError: string | undefined;
  await Promise.all(
    storm.map(async (c) => {
      // The manager may still be closing the dropped transport.
      while (c.socket.connected) await sleep(5);
      for (let attempt = 1; ; attempt++) {
        try {
          if (!c.socket.connected) await open(c);
          const got = await sync(c);
          messages += got.messages;
          resent += got.resent;
          times.push(now() - since);
          c.down = false;
          return;
        } catch (err) {
          firstError ??= String(err);
          if (now() > deadline) {
            failed++;
            return;
          }
          await sleep(Math.min(backoffMs(attempt), Math.max(0, deadline - now())));
        }
      }
    }),
  );
  return { times, failed, messages, resent, firstError };
}

/**
 * Seqs in 1..last of each tracked client's room it has not seen, live or by sync, over the
 * clients that are up (a client that never came back is counted as not recovered instead).
 */
function audit(last: Record<string, number>) {
  let missing = 0;
  let down = 0;
  for (const c of clients.filter((x) => x.seen)) {
    if (c.down) {
      down++;
      continue;
    }
    for (let s = 1; s <= (last[c.spec.room] ?? 0); s++) if (!c.seen!.has(s)) missing++;
  }
  return { missing, down };
}

function collect() {
  return { deliveries, histogram: encode(hist), acked: Object.fromEntries(acked) };
}

function close() {
  for (const c of clients) c.socket.disconnect();
  clients.length = 0;
  acked.clear();
  return {};
}

async function run(cmd: Command): Promise<unknown> {
  switch (cmd.op) {
    case 'connect':
      return connect(cmd.clients, cmd.concurrency);
    case 'load':
      return load(cmd.step, cmd.rate, cmd.ms);
    case 'closed':
      return closed(cmd.step, cmd.inflight, cmd.ms);
    case 'collect':
      return collect();
    case 'drop':
      return drop();
    case 'reconnect':
      return reconnect(cmd.since, cmd.deadline);
    case 'audit':
      return audit(cmd.last);
    case 'close':
      return close();
  }
}

process.on('message', (msg: { id: number; cmd: Command }) => {
  run(msg.cmd).then(
    (result) => process.send!({ id: msg.id, result } satisfies Reply),
    (err: Error) => process.send!({ id: msg.id, error: err.stack ?? String(err) } satisfies Reply),
  );
});
process.on('disconnect', () => process.exit(0));
