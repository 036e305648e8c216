/**
 * Room fan-out over Socket.IO `/chat`: Parley against a bare Socket.IO server doing the same
 * broadcast (load/lib/bare-server.ts, the ceiling), measured in the same run, on one node
 * and on two (bare: two processes sharing the sharded Redis adapter; Parley: two nodes of one
 * cluster, each room's members split across them). For rooms of 10 and of 100 members:
 * - deliveries per second, closed loop: each room keeps a fixed number of sends in flight,
 *   and a send is complete once every member (the sender's own socket included, as in the
 *   contract) has its `message:new`;
 * - send→receive latency p50/p99 per delivery, open loop at a fixed total send rate, timed
 *   from each send's scheduled instant (so a stalled generator or server is not hidden);
 * - deliveries per CPU-second of the server processes (/proc/<pid>/stat), and 2 nodes
 *   against 1; FerretDB's CPU per Parley message (its write path is what bounds Parley here).
 * The load generator is this one process: its CPU and the whole machine's are reported, and
 * a max row says "ceiling generator-bound" when the generator used most of a core in the
 * bare run. Per-phase details (CPU of every process, lost and failed sends) go to stderr.
 *
 * Usage: npm run bench -- fanout [--quick]
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { mongo } from 'mongoose';
import { io, Socket } from 'socket.io-client';
import { percentile, Row, throughput } from './lib/measure';
import { BenchNode, freePort, post, startNode, token } from './lib/node';
import { ROOT, stackEnv, withDatabase } from './lib/stack';

interface Config {
  /** Rooms per room size (every member is one user with one socket). */
  rooms: Record<number, number>;
  /** Open-loop total send rate per room size, messages per second. */
  rate: Record<number, number>;
  /** Closed loop: sends in flight in total, spread over the rooms (at least one each). */
  inflight: Record<number, number>;
  warmMs: number;
  openMs: number;
  closedWarmMs: number;
  closedMs: number;
}

// The open-loop rates are about half of what Parley's write path on the local FerretDB
// sustains (about 10 msg/s over 10 rooms of 10, 5 msg/s over 3 rooms of 100): loaded, not
// saturated, so the latency is not a queue's. The same rates in both modes keep runs
// comparable; quick mode only has fewer rooms and shorter windows.
const QUICK: Config = {
  rooms: { 10: 10, 100: 3 },
  rate: { 10: 5, 100: 2 },
  inflight: { 10: 30, 100: 6 },
  warmMs: 1000,
  openMs: 4000,
  closedWarmMs: 500,
  closedMs: 2000,
};
const FULL: Config = {
  rooms: { 10: 20, 100: 6 },
  rate: { 10: 5, 100: 2 },
  inflight: { 10: 30, 100: 6 },
  warmMs: 2000,
  openMs: 20_000,
  closedWarmMs: 1500,
  closedMs: 8000,
};
const SIZES = [10, 100] as const;

/**
 * A send is given up (its missing deliveries counted lost) after this long; between phases
 * the generator waits this long at most for what is still in flight, so a backlog left by a
 * max run does not spill into the next measurement.
 */
const GIVE_UP_MS = 15_000;
const DRAIN_MS = 15_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** Above this share of one core the generator, not the server, may be what limits a max run. */
const GENERATOR_BOUND = 0.85;
// With Parley's envelope this makes a `message:new` of about 400 bytes of JSON.
const CONTENT = 'fan-out benchmark message: the quick brown fox jumps over the lazy dog';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- processes and their CPU --------------------------------------------------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Busy and total CPU seconds of the whole machine so far (all cores, /proc/stat). */
function machineSeconds(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const t = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = t.reduce((a, b) => a + b, 0);
    return { busy: (total - t[3] - t[4]) / CLK_TCK, total: total / CLK_TCK }; // idle, iowait
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/** User + system CPU seconds a process has used so far (0 when it is gone). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
  } catch {
    return 0;
  }
}

function stackPid(name: string): number | undefined {
  try {
    return Number(readFileSync(join(ROOT, '.stack', `${name}.pid`), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

interface CpuMark {
  at: number;
  generator: number;
  servers: number;
  redis: number;
  mongo: number;
  machine: { busy: number; total: number };
}

interface Cluster {
  kind: 'bare' | 'Parley';
  urls: string[];
  pids: number[];
  children: ChildProcess[];
  /** Builds `size`-member rooms and answers, per member, how its socket authenticates. */
  makeRooms(count: number, size: number): Promise<{ id: string; auth: object[] }[]>;
  stop(): Promise<void>;
}

function cpuMark(cluster: Cluster): CpuMark {
  const self = process.cpuUsage();
  return {
    at: performance.now(),
    generator: (self.user + self.system) / 1e6,
    servers: cluster.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
    redis: cpuSeconds(stackPid('redis')),
    mongo: cpuSeconds(stackPid('mongo')),
    machine: machineSeconds(),
  };
}

interface CpuUse {
  seconds: number;
  /** CPU seconds per wall second (1 = one full core). */
  generator: number;
  servers: number;
  redis: number;
  mongo: number;
  /** Share of the whole machine that was busy (0..1), whoever used it. */
  machine: number;
  serverCpuSeconds: number;
  mongoCpuSeconds: number;
}

function cpuBetween(a: CpuMark, b: CpuMark): CpuUse {
  const seconds = (b.at - a.at) / 1000;
  return {
    seconds,
    generator: (b.generator - a.generator) / seconds,
    servers: (b.servers - a.servers) / seconds,
    redis: (b.redis - a.redis) / seconds,
    mongo: (b.mongo - a.mongo) / seconds,
    machine: (b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total),
    serverCpuSeconds: b.servers - a.servers,
    mongoCpuSeconds: b.mongo - a.mongo,
  };
}

const stopped = new WeakSet<ChildProcess>();

/** Server processes that exited without being asked to: what their logs above explain. */
function deaths(cluster: Cluster): string[] {
  return cluster.children.flatMap((c, i) =>
    !stopped.has(c) && (c.exitCode !== null || c.signalCode !== null)
      ? [`${cluster.urls[i]} exited (${c.exitCode ?? c.signalCode})`]
      : [],
  );
}

/** Kills `child` if it has not exited `ms` after SIGTERM. */
function stopChild(child: ChildProcess, ms = 15_000): Promise<void> {
  stopped.add(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function startBare(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(__dirname, 'lib', 'bare-server.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bare server did not start')), 10_000);
      child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (err) {
    await stopChild(child, 2000);
    throw err;
  }
  child.stdout!.resume();
  return { url: `http://127.0.0.1:${port}`, child };
}

async function bareCluster(nodes: 1 | 2, runId: string): Promise<Cluster> {
  const env: Record<string, string> =
    nodes === 2 ? { REDIS_URL: stackEnv().REDIS_URL, CHANNEL_PREFIX: `${runId}-bare` } : {};
  const started: { url: string; child: ChildProcess }[] = [];
  try {
    for (let i = 0; i < nodes; i++) started.push(await startBare(env));
  } catch (err) {
    await Promise.all(started.map((s) => stopChild(s.child)));
    throw err;
  }
  return {
    kind: 'bare',
    urls: started.map((s) => s.url),
    pids: started.map((s) => s.child.pid!),
    children: started.map((s) => s.child),
    async makeRooms(count, size) {
      return Array.from({ length: count }, () => ({
        id: randomBytes(12).toString('hex'),
        auth: [] as object[],
      })).map((room) => ({
        ...room,
        auth: Array.from({ length: size }, () => ({ room: room.id, userId: randomUUID() })),
      }));
    },
    stop: async () => {
      await Promise.all(started.map((s) => stopChild(s.child)));
    },
  };
}

async function parleyCluster(nodes: 1 | 2, runId: string): Promise<Cluster> {
  const mongoUrl = withDatabase(
    stackEnv().MONGO_URL,
    `bench_${runId}_${nodes}n`.replace(/-/g, '_'),
  );
  const env = {
    MONGO_URL: mongoUrl,
    CLUSTER_PREFIX: `${runId}-${nodes}n`,
    SEND_RATE_PER_SECOND: '100000',
    SEND_RATE_BURST: '1000000',
  };
  const started = await Promise.allSettled(Array.from({ length: nodes }, () => startNode(env)));
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const dropDatabase = async () => {
    const client = await mongo.MongoClient.connect(mongoUrl);
    await client.db().dropDatabase();
    await client.close();
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((n) => stopChild(n.child)));
    await dropDatabase().catch(() => undefined);
    throw failed.reason;
  }
  const list: BenchNode[] = ok;
  return {
    kind: 'Parley',
    urls: list.map((n) => n.url),
    pids: list.map((n) => n.child.pid!),
    children: list.map((n) => n.child),
    async makeRooms(count, size) {
      const rooms: { id: string; auth: object[] }[] = [];
      for (let r = 0; r < count; r++) {
        const users = Array.from({ length: size }, () => randomUUID());
        const tokens = await Promise.all(users.map(token));
        const group = await post(`${list[0].url}/conversations`, tokens[0], {
          type: 'group',
          name: `fanout ${r}`,
          participants: users.slice(1),
        });
        rooms.push({ id: group.id, auth: tokens.map((t) => ({ token: t })) });
      }
      return rooms;
    },
    async stop() {
      await Promise.all(list.map((n) => stopChild(n.child)));
      await dropDatabase().catch((err) => console.error(`fanout: dropping the database: ${err}`));
    },
  };
}

// ---- clients and delivery tracking ---------------------------------------------------------

interface Room {
  id: string;
  members: Socket[];
  turn: number;
}

interface Pending {
  t: number;
  left: number;
  room: Room;
  record: boolean;
}

class Tracker {
  readonly pending = new Map<string, Pending>();
  latencies: number[] = [];
  /** `message:new` events received while `counting`. */
  deliveries = 0;
  counting = false;
  lost = 0;
  stray = 0;
  failed = 0;
  firstError?: unknown;
  bytes = 0;
  onComplete?: (room: Room) => void;
  private next = 0;

  constructor(private readonly tag: string) {}

  /** Sends the room's next message from its next member, timed from `at`. */
  send(room: Room, at: number, record: boolean): void {
    const sender = room.members[room.turn++ % room.members.length];
    const clientMessageId = `${this.tag}-${this.next++}`;
    this.pending.set(clientMessageId, { t: at, left: room.members.length, room, record });
    sender.emit(
      'message:send',
      { conversationId: room.id, content: CONTENT, clientMessageId },
      (answer: { ok: boolean; error?: unknown }) => {
        if (answer?.ok) return;
        this.failed++;
        this.firstError ??= answer?.error;
      },
    );
  }

  deliver(message: { clientMessageId?: string }): void {
    if (this.counting) this.deliveries++;
    if (!this.bytes) this.bytes = Buffer.byteLength(JSON.stringify(message));
    const p = this.pending.get(message.clientMessageId ?? '');
    if (!p) {
      this.stray++;
      return;
    }
    if (p.record) this.latencies.push(performance.now() - p.t);
    if (--p.left === 0) {
      this.pending.delete(message.clientMessageId!);
      this.onComplete?.(p.room);
    }
  }

  /** Gives up sends older than `ms` (or all with 0): their missing deliveries are lost. */
  expire(ms: number): void {
    const now = performance.now();
    for (const [id, p] of this.pending) {
      if (now - p.t < ms) continue;
      this.pending.delete(id);
      this.lost += p.left;
      this.onComplete?.(p.room);
    }
  }

  async drain(): Promise<void> {
    const deadline = Date.now() + DRAIN_MS;
    while (this.pending.size > 0 && Date.now() < deadline) await sleep(20);
    this.expire(0);
  }
}

function connect(url: string, auth: object, sockets: Socket[], tracker: Tracker): Promise<Socket> {
  const socket = io(`${url}/chat`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
    auth,
  });
  sockets.push(socket);
  socket.on('message:new', (m: { clientMessageId?: string }) => tracker.deliver(m));
  return new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(new Error(`connect ${url}: ${err.message}`)));
  })
    .then(() => socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck('sync', { cursors: {} }))
    .then((answer: { ok: boolean; error?: unknown }) => {
      // The ack means the socket's rooms are live (subscribed in Redis on its node).
      if (!answer?.ok) throw new Error(`sync refused: ${JSON.stringify(answer?.error)}`);
      return socket;
    });
}

// ---- load ----------------------------------------------------------------------------------

/** Sends at `rate` messages per second in total, round-robin over the rooms, for `ms`. */
async function openLoop(tr: Tracker, rooms: Room[], rate: number, ms: number, record: boolean) {
  const total = Math.round((rate * ms) / 1000);
  const start = performance.now();
  let i = 0;
  while (i < total && performance.now() - start < ms + 1000) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    for (; i < due; i++) tr.send(rooms[i % rooms.length], start + (i * 1000) / rate, record);
    await sleep(1);
  }
}

/** Keeps `inflight` sends in flight; counts deliveries over `ms` after `warmMs`. */
async function closedLoop(
  tr: Tracker,
  rooms: Room[],
  inflight: number,
  warmMs: number,
  ms: number,
  mark: () => CpuMark,
): Promise<{ perSecond: number; cpu: CpuUse }> {
  let running = true;
  tr.onComplete = (room) => {
    if (running) tr.send(room, performance.now(), false);
  };
  try {
    for (let i = 0; i < Math.max(inflight, rooms.length); i++)
      tr.send(rooms[i % rooms.length], performance.now(), false);
    await sleep(warmMs);
    const before = mark();
    tr.deliveries = 0;
    tr.counting = true;
    while (performance.now() - before.at < ms) {
      await sleep(100);
      tr.expire(GIVE_UP_MS);
    }
    tr.counting = false;
    const after = mark();
    const cpu = cpuBetween(before, after);
    return { perSecond: tr.deliveries / cpu.seconds, cpu };
  } finally {
    running = false;
    tr.counting = false;
    tr.onComplete = undefined;
    await tr.drain();
  }
}

interface Result {
  deliveriesPerSecond: number;
  perCpuSecond: number;
  /** FerretDB CPU milliseconds per message sent in the max run. */
  mongoMsPerMessage: number;
  maxCpu: CpuUse;
  p50: number;
  p99: number;
  openCpu: CpuUse;
  /** Deliveries the open loop expected and did not get within GIVE_UP_MS / the drain. */
  openLost: number;
  openExpected: number;
  failed: number;
  bytes: number;
}

async function scenario(
  cluster: Cluster,
  size: number,
  cfg: Config,
  label: string,
): Promise<Result> {
  const setup = performance.now();
  const count = cfg.rooms[size];
  const specs = await cluster.makeRooms(count, size);
  const tr = new Tracker(
    `${cluster.kind[0]}${cluster.urls.length}-${size}-${Date.now().toString(36)}`,
  );
  const sockets: Socket[] = [];
  try {
    const rooms: Room[] = specs.map((s) => ({ id: s.id, members: [], turn: 0 }));
    const jobs = specs.flatMap((s, r) => s.auth.map((auth, j) => ({ r, j, auth })));
    const connected = performance.now();
    await throughput(jobs.length, 32, async (k) => {
      const { r, j, auth } = jobs[k];
      // Members alternate between the nodes, so every room spans all of them.
      const socket = await connect(cluster.urls[j % cluster.urls.length], auth, sockets, tr);
      rooms[r].members.push(socket);
    });
    const connectMs = performance.now() - connected;
    const phase = performance.now();
    const mark = () => cpuMark(cluster);

    const rate = cfg.rate[size];
    // Warm-up: one message in every room (Parley loads each conversation's actor), then the
    // open loop's rate for a while.
    for (const room of rooms) tr.send(room, performance.now(), false);
    await tr.drain();
    await openLoop(tr, rooms, rate, cfg.warmMs, false);
    await tr.drain();
    tr.lost = 0;
    tr.latencies = [];
    const openBefore = mark();
    await openLoop(tr, rooms, rate, cfg.openMs, true);
    await tr.drain();
    const openCpu = cpuBetween(openBefore, mark());
    const openExpected = Math.round((rate * cfg.openMs) / 1000) * size;
    const openLost = tr.lost;
    tr.lost = 0;
    const latencies = tr.latencies;
    tr.latencies = [];

    const max = await closedLoop(
      tr,
      rooms,
      cfg.inflight[size],
      cfg.closedWarmMs,
      cfg.closedMs,
      mark,
    );
    const result: Result = {
      deliveriesPerSecond: max.perSecond,
      perCpuSecond: max.cpu.serverCpuSeconds > 0 ? tr.deliveries / max.cpu.serverCpuSeconds : NaN,
      mongoMsPerMessage: (max.cpu.mongoCpuSeconds * 1000) / (tr.deliveries / size),
      maxCpu: max.cpu,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      openCpu,
      openLost,
      openExpected,
      failed: tr.failed,
      bytes: tr.bytes,
    };
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    const c = (u: CpuUse) =>
      `servers ${pct(u.servers)} redis ${pct(u.redis)} ferretdb ${pct(u.mongo)} ` +
      `generator ${pct(u.generator)}, machine ${pct(u.machine)} busy`;
    console.error(
      `fanout: ${label}: ${sockets.length} sockets in ${Math.round(connectMs)} ms; ` +
        `open loop ${rate} msg/s: p50 ${result.p50.toFixed(1)} ms p99 ${result.p99.toFixed(1)} ms, ` +
        `lost ${openLost}/${openExpected} (cpu: ${c(openCpu)}); ` +
        `max ${Math.round(result.deliveriesPerSecond)} deliveries/s (cpu: ${c(max.cpu)}); ` +
        `failed sends ${tr.failed}${tr.firstError ? ` first ${JSON.stringify(tr.firstError)}` : ''}, ` +
        `late/stray ${tr.stray}, lost in max run ${tr.lost}, message:new ${tr.bytes} bytes; ` +
        `setup ${Math.round(phase - setup)} ms, load ${Math.round(performance.now() - phase)} ms`,
    );
    return result;
  } finally {
    for (const s of sockets) s.disconnect();
  }
}

// ---- the benchmark -------------------------------------------------------------------------

export async function fanoutBench(quick: boolean): Promise<Row[]> {
  const cfg = quick ? QUICK : FULL;
  const runId = `fo${Date.now().toString(36)}`;
  const results = new Map<string, Result>();
  const topologies = [
    { nodes: 1 as const, start: bareCluster },
    { nodes: 1 as const, start: parleyCluster },
    { nodes: 2 as const, start: bareCluster },
    { nodes: 2 as const, start: parleyCluster },
  ];
  for (const { nodes, start } of topologies) {
    const began = performance.now();
    const cluster = await start(nodes, runId);
    const label = `${cluster.kind} ${nodes}n`;
    console.error(`fanout: ${label} started in ${Math.round(performance.now() - began)} ms`);
    try {
      for (const size of SIZES) {
        const result = await scenario(cluster, size, cfg, `${label}, rooms of ${size}`);
        if (deaths(cluster).length) throw new Error('a server process died');
        results.set(`${cluster.kind} ${nodes} ${size}`, result);
      }
    } catch (err) {
      const dead = deaths(cluster);
      if (!dead.length) throw err;
      // Say which process died rather than what failed next (a fetch, a connect).
      throw new Error(`fanout: ${label}: ${dead.join(', ')} during the run: ${err}`, {
        cause: err,
      });
    } finally {
      const stopping = performance.now();
      await cluster.stop();
      console.error(`fanout: ${label} stopped in ${Math.round(performance.now() - stopping)} ms`);
    }
  }

  const rows: Row[] = [];
  for (const nodes of [1, 2]) {
    for (const size of SIZES) {
      const bare = results.get(`bare ${nodes} ${size}`)!;
      const parley = results.get(`Parley ${nodes} ${size}`)!;
      const name = `fan-out, ${nodes} node${nodes > 1 ? 's' : ''}, rooms of ${size}`;
      const rate = cfg.rate[size];
      const note = bare.maxCpu.generator >= GENERATOR_BOUND ? ' (ceiling generator-bound)' : '';
      const lost = parley.openLost
        ? ` (${parley.openLost}/${parley.openExpected} not delivered)`
        : '';
      rows.push(
        {
          name,
          metric: `deliveries/s, max (${cfg.inflight[size]} sends in flight)${note}`,
          value: parley.deliveriesPerSecond,
          unit: 'deliveries/s',
          ceiling: bare.deliveriesPerSecond,
          ratio: parley.deliveriesPerSecond / bare.deliveriesPerSecond,
        },
        {
          name,
          metric: `send→receive p50 at ${rate} msg/s (${rate * size} deliveries/s)${lost}`,
          value: parley.p50,
          unit: 'ms',
          ceiling: bare.p50,
          ratio: parley.p50 / bare.p50,
        },
        {
          name,
          metric: `send→receive p99 at ${rate} msg/s (${rate * size} deliveries/s)${lost}`,
          value: parley.p99,
          unit: 'ms',
          ceiling: bare.p99,
          ratio: parley.p99 / bare.p99,
        },
        {
          name,
          metric: 'deliveries per CPU-second of the server processes, max run',
          value: parley.perCpuSecond,
          unit: 'deliveries/CPU-s',
          ceiling: bare.perCpuSecond,
          ratio: parley.perCpuSecond / bare.perCpuSecond,
        },
        {
          name,
          metric: `load generator CPU in the bare max run (machine ${Math.round(bare.maxCpu.machine * 100)}% busy)`,
          value: bare.maxCpu.generator * 100,
          unit: '% of a core',
        },
        {
          name,
          // The stack's FerretDB may serve others too: its CPU in the bare run is that share.
          metric: `FerretDB CPU per Parley message, max run (FerretDB ${Math.round(bare.maxCpu.mongo * 100)}% busy in the bare run)`,
          value: parley.mongoMsPerMessage,
          unit: 'CPU-ms/msg',
        },
      );
    }
  }
  for (const size of SIZES) {
    const one = results.get(`Parley 1 ${size}`)!;
    const two = results.get(`Parley 2 ${size}`)!;
    rows.push({
      name: `Parley 2 nodes vs 1 node, rooms of ${size}`,
      metric: 'deliveries per CPU-second of the node processes, max run',
      value: two.perCpuSecond,
      unit: 'deliveries/CPU-s',
      ceiling: one.perCpuSecond,
      ratio: two.perCpuSecond / one.perCpuSecond,
    });
  }
  return rows;
}
