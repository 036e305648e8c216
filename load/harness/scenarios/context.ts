/**
 * What the scenarios share in one run: the load generator, the bare server (started once),
 * a one-node Parley (a fresh one per scenario), the S2 maxima that S3 and S4 take their
 * loads from, and the sizes of a quick or a full run.
 */
import { Cluster, Room, bareCluster, parleyCluster } from '../cluster';
import { CpuMeter, databasePids, describeDatabase, stackPid } from '../cpu';
import { ClientSpec, Generator, StepResult } from '../generator';
import type { DatasetSizes } from '../dataset';
import { ScenarioOutput } from '../results';

export interface Sizes {
  /** S1: sockets after each step. */
  idleSteps: number[];
  idleSettleMs: number;
  /** S2: room sizes, and how many sockets each size's rooms hold in total (at most
   * `maxRooms` rooms: creating conversations on FerretDB takes a while). */
  roomSizes: number[];
  fanoutSockets: number;
  maxRooms: number;
  stepMs: number;
  drainMs: number;
  maxProbes: number;
  /** S2: after a failed probe, how long to wait at most for the servers to go quiet, and
   * how many times a rate is tried before it counts as failed. */
  settleMs: number;
  probeAttempts: number;
  /** S3 and S4: how long each load level runs. */
  latencyMs: number;
  /** S5: sockets dropped and reconnected, messages per second sent meanwhile. */
  stormSockets: number;
  stormRate: number;
  /** A client that has not recovered this long after the reconnect began counts as lost. */
  stormDeadlineMs: number;
  /** S6: how long Parley is loaded, sends in flight, and documents the raw driver inserts. */
  persistMs: number;
  persistInflight: number;
  rawDocs: number;
  /** D1: the full database; per operation the unrecorded warm-up, at most how many samples
   * and for how long; the steady sends' rate and duration. */
  d1: DatasetSizes;
  d1Warmup: number;
  d1Samples: number;
  d1BudgetMs: number;
  d1SendRate: number;
  d1SendMs: number;
}

export const QUICK: Sizes = {
  idleSteps: [500, 1000, 1500, 2000],
  idleSettleMs: 1000,
  roomSizes: [10, 100],
  fanoutSockets: 200,
  maxRooms: 20,
  stepMs: 1500,
  drainMs: 1500,
  maxProbes: 6,
  settleMs: 2000,
  probeAttempts: 1,
  latencyMs: 2000,
  stormSockets: 300,
  stormRate: 5,
  stormDeadlineMs: 30_000,
  persistMs: 3000,
  persistInflight: 64,
  rawDocs: 3000,
  d1: { messages: 100_000, conversations: 1000, users: 5000 },
  d1Warmup: 3,
  d1Samples: 200,
  d1BudgetMs: 8000,
  d1SendRate: 50,
  d1SendMs: 8000,
};

export const FULL: Sizes = {
  idleSteps: [1000, 5000, 10_000, 15_000, 20_000],
  idleSettleMs: 3000,
  roomSizes: [2, 10, 100, 1000],
  fanoutSockets: 2000,
  maxRooms: 100,
  stepMs: 5000,
  drainMs: 5000,
  maxProbes: 12,
  settleMs: 30_000,
  probeAttempts: 2,
  latencyMs: 15_000,
  stormSockets: 5000,
  stormRate: 10,
  stormDeadlineMs: 120_000,
  persistMs: 15_000,
  persistInflight: 128,
  rawDocs: 30_000,
  d1: { messages: 1_000_000, conversations: 10_000, users: 50_000 },
  d1Warmup: 10,
  d1Samples: 1000,
  d1BudgetMs: 60_000,
  d1SendRate: 50,
  d1SendMs: 30_000,
};

export class Context {
  readonly gen = Generator.start();
  readonly runId = `b${Date.now().toString(36)}`;
  /** S2's highest passing load per room size, messages per second. */
  readonly maxRate = new Map<number, { parley?: number; bare?: number }>();
  private clusters = new Map<string, Promise<Cluster>>();

  constructor(
    readonly quick: boolean,
    readonly sizes: Sizes = quick ? QUICK : FULL,
  ) {}

  /** Set once the run is being stopped: no cluster may start after it. */
  private stopping = false;

  private shared(key: string, start: () => Promise<Cluster>): Promise<Cluster> {
    if (this.stopping) return Promise.reject(new Error('the run is stopping'));
    if (!this.clusters.has(key)) this.clusters.set(key, start());
    return this.clusters.get(key)!;
  }

  /**
   * A one-node Parley on a fresh database, the previous one stopped first. Every scenario
   * starts from empty collections: FerretDB scans whole collections for every query, so
   * what an earlier scenario stored would slow a later one down.
   */
  async freshParley(tag: string): Promise<Cluster> {
    await this.releaseParley();
    return this.shared('parley', () => parleyCluster(1, `${this.runId}${tag}`));
  }

  bare(): Promise<Cluster> {
    return this.shared('bare', () => bareCluster(1, this.runId));
  }

  /** Stops the one-node Parley, if one runs (an idle node still costs CPU). */
  async releaseParley(): Promise<void> {
    const previous = this.clusters.get('parley');
    this.clusters.delete('parley');
    if (previous) await (await previous).stop();
  }

  /** Runs `fn` on a cluster of its own, stopped after it (or with the run, when interrupted). */
  async scoped<T>(
    key: string,
    start: () => Promise<Cluster>,
    fn: (c: Cluster) => Promise<T>,
  ): Promise<T> {
    const cluster = await this.shared(key, start);
    try {
      return await fn(cluster);
    } finally {
      this.clusters.delete(key);
      await cluster.stop();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const clusters = await Promise.allSettled(this.clusters.values());
    for (const c of clusters) if (c.status === 'fulfilled') await c.value.stop();
    this.clusters.clear();
    await this.gen.stop();
  }
}

export type Scenario = (ctx: Context) => Promise<ScenarioOutput>;

/** How many rooms of `size` a fan-out run uses: at least one per worker, so every worker
 * sends, and no more than the sizes allow. */
export function roomCount(ctx: Context, size: number): number {
  const { fanoutSockets, maxRooms } = ctx.sizes;
  return Math.max(ctx.gen.size, Math.min(maxRooms, Math.round(fanoutSockets / size)));
}

/**
 * Client specs for rooms: member j of room r on server j mod servers (so rooms span every
 * node) and on worker (r + j) mod workers; member 0 of each room sends.
 */
export function roomClients(
  cluster: Cluster,
  rooms: Room[],
  workers: number,
  opts: { track?: (j: number) => boolean; sender?: (j: number) => boolean } = {},
): { specs: ClientSpec[]; workerOf: (i: number) => number } {
  const specs: ClientSpec[] = [];
  const owner: number[] = [];
  rooms.forEach((room, r) =>
    room.auth.forEach((auth, j) => {
      specs.push({
        url: cluster.servers[j % cluster.servers.length].url,
        auth,
        room: room.id,
        sender: opts.sender ? opts.sender(j) : j === 0,
        track: opts.track?.(j),
      });
      owner.push((r + j) % workers);
    }),
  );
  return { specs, workerOf: (i) => owner[i] };
}

/** Creates rooms, connects their members, sends one message into each (which loads
 * Parley's actors), runs `fn`, and disconnects every client whatever happens. */
export async function withRooms<T>(
  ctx: Context,
  cluster: Cluster,
  count: number,
  size: number,
  fn: (rooms: Room[]) => Promise<T>,
): Promise<T> {
  const rooms = await cluster.makeRooms(count, size);
  const { specs, workerOf } = roomClients(cluster, rooms, ctx.gen.size);
  try {
    await ctx.gen.connect(specs, workerOf);
    await ctx.gen.step(count, 1000, size, ctx.sizes.drainMs);
    return await fn(rooms);
  } finally {
    await ctx.gen.close();
  }
}

/**
 * Whether an open-loop step kept up: no send refused or unanswered, and the p99 over every
 * expected delivery (a lost one counting as infinitely late) under `p99Ms`.
 */
export function kept(s: StepResult, p99Ms = 100): boolean {
  return s.sent > 0 && s.failed === 0 && s.unanswered === 0 && s.p99WithLost < p99Ms;
}

export const describeStep = (s: StepResult): string =>
  `sent ${s.sent} (refused ${s.failed}, unanswered ${s.unanswered}), delivered ${s.deliveries}/${s.expected}, ` +
  `p50 ${s.latency.p50.toFixed(1)} p99 ${s.latency.p99.toFixed(1)} ms, generator ${Math.round(
    s.generatorCpu * 100,
  )}% of a core${s.firstError ? `, first error ${s.firstError}` : ''}`;

/** CPU of everything a run involves: the cluster's servers, the stack, the generator. */
export function stackMeter(ctx: Context, cluster: Cluster): CpuMeter {
  return new CpuMeter({
    [cluster.kind === 'Parley' ? 'Parley' : 'bare server']: () =>
      cluster.servers.map((s) => s.child.pid),
    [describeDatabase()]: databasePids,
    Redis: () => [stackPid('redis')],
    Kafka: () => [stackPid('kafka')],
    generator: () => ctx.gen.pids,
  });
}

/** "Parley 12%, FerretDB 97%, … of a core; machine 99% busy" for a meter's reading. */
export function describeCpu(use: ReturnType<CpuMeter['stop']>): string {
  const parts = Object.entries(use.cpu).map(
    ([name, seconds]) => `${name} ${Math.round((seconds / use.seconds) * 100)}%`,
  );
  return `${parts.join(', ')} of a core; the machine ${Math.round(use.machine * 100)}% busy`;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits (at most `ms`) until the cluster's servers and the database use less than a third of a
 * core together, so that the backlog of a failed probe (queued sends, outbox, jobs) does
 * not fail the next one. Answers how long it waited.
 */
export async function settle(cluster: Cluster, ms: number): Promise<number> {
  const t0 = performance.now();
  const meter = new CpuMeter({
    busy: () => [...cluster.servers.map((s) => s.child.pid), ...databasePids()],
  });
  while (performance.now() - t0 < ms) {
    meter.start();
    await pause(500);
    const use = meter.stop();
    if (use.cpu.busy / use.seconds < 0.33) break;
  }
  return performance.now() - t0;
}
