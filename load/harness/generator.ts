/**
 * The load generator: worker processes (worker.ts, one per core by default, so the
 * generator can use both cores of a small machine) each holding a share of the sockets,
 * driven by this coordinator over IPC. Clients are spread over the workers and over source
 * addresses 127.0.0.2 … 127.0.0.<1+ADDRESSES> so that tens of thousands of sockets to one
 * server port do not exhaust one address's ephemeral ports.
 */
import { ChildProcess, fork } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { merge, percentileWithLost, summarise, LatencySummary } from './histogram';
import { cpuSeconds } from './cpu';

export const ADDRESSES = 16;

export interface ClientSpec {
  url: string;
  auth: object;
  /** The conversation (room) the client is in; '' for none. */
  room: string;
  /** Sends come from senders only. */
  sender?: boolean;
  /** Records every seq seen and takes part in drop / reconnect (S5). */
  track?: boolean;
  localAddress?: string;
}

export type Command =
  | { op: 'connect'; clients: ClientSpec[]; concurrency: number }
  | { op: 'load'; step: string; rate: number; ms: number }
  | { op: 'closed'; step: string; inflight: number; ms: number }
  | { op: 'collect' }
  | { op: 'drop' }
  | { op: 'reconnect'; since: number; deadline: number }
  | { op: 'audit'; last: Record<string, number> }
  | { op: 'close' };

export type Reply = { id: number; result?: unknown; error?: string };

export interface StepResult {
  /** Sends made, refused and not answered at all. */
  sent: number;
  failed: number;
  unanswered: number;
  firstError?: string;
  /** Deliveries tagged with this step received by any worker (after the drain). */
  deliveries: number;
  expected: number;
  latency: LatencySummary;
  /** p99 over every expected delivery, the ones that never came counted as infinitely late. */
  p99WithLost: number;
  /** Generator CPU seconds per wall second over the step (1 = one core). */
  generatorCpu: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

export class Generator {
  private next = 0;
  private readonly waiting = new Map<number, (r: Reply) => void>();
  private steps = 0;

  private constructor(private readonly workers: ChildProcess[]) {
    for (const w of workers)
      w.on('message', (r: Reply) => {
        this.waiting.get(r.id)?.(r);
        this.waiting.delete(r.id);
      });
  }

  static start(count = Math.max(1, cpus().length)): Generator {
    const workers = Array.from({ length: count }, () =>
      fork(join(__dirname, 'worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    return new Generator(workers);
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid!);
  }

  get size(): number {
    return this.workers.length;
  }

  cpuSeconds(): number {
    return this.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }

  private call<T>(w: ChildProcess, cmd: Command): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const died = () => reject(new Error(`generator worker ${w.pid} exited during ${cmd.op}`));
      w.once('exit', died);
      this.waiting.set(id, (r) => {
        w.off('exit', died);
        if (r.error) reject(new Error(`generator worker: ${r.error}`));
        else resolve(r.result as T);
      });
      w.send({ id, cmd });
    });
  }

  private all<T>(cmd: Command | ((i: number) => Command)): Promise<T[]> {
    return Promise.all(
      this.workers.map((w, i) => this.call<T>(w, typeof cmd === 'function' ? cmd(i) : cmd)),
    );
  }

  /**
   * Connects clients, client i on worker `workerOf(i)` (round-robin by default) and source
   * address 127.0.0.<2 + i mod ADDRESSES>. Throws when any failed.
   */
  async connect(
    clients: ClientSpec[],
    workerOf: (i: number) => number = (i) => i % this.size,
    concurrency = 64,
  ): Promise<void> {
    const shares: ClientSpec[][] = this.workers.map(() => []);
    clients.forEach((c, i) =>
      shares[workerOf(i) % this.size].push({
        localAddress: `127.0.0.${2 + (i % ADDRESSES)}`,
        ...c,
      }),
    );
    const answers = await this.all<{
      connected: number;
      failed: number;
      retries: number;
      firstError?: string;
    }>((i) => ({ op: 'connect', clients: shares[i], concurrency }));
    const failed = answers.reduce((n, a) => n + a.failed, 0);
    const retries = answers.reduce((n, a) => n + a.retries, 0);
    if (retries)
      console.error(
        `bench: ${retries} connection attempts of ${clients.length} clients were retried (first error: ${answers.find((a) => a.firstError)?.firstError})`,
      );
    if (failed)
      throw new Error(
        `${failed} of ${clients.length} clients failed to connect: ${answers.find((a) => a.firstError)?.firstError}`,
      );
  }

  /**
   * One open-loop step: `rate` sends per second in total (split over the workers) for `ms`,
   * each send to be received by `fanout` sockets; waits up to `drainMs` for what is still on
   * its way, then merges every worker's count and histogram.
   */
  async step(rate: number, ms: number, fanout: number, drainMs: number): Promise<StepResult> {
    const id = `s${this.steps++}`;
    const cpu0 = this.cpuSeconds();
    const t0 = now();
    const sends = await this.all<{
      sent: number;
      failed: number;
      unanswered: number;
      firstError?: string;
    }>({ op: 'load', step: id, rate: rate / this.size, ms });
    const cpu = (this.cpuSeconds() - cpu0) / ((now() - t0) / 1000);
    const sent = sends.reduce((n, s) => n + s.sent, 0);
    const failed = sends.reduce((n, s) => n + s.failed, 0);
    const unanswered = sends.reduce((n, s) => n + s.unanswered, 0);
    const expected = (sent - failed) * fanout;
    const deadline = now() + drainMs;
    let got = await this.collect();
    while (got.deliveries < expected && now() < deadline) {
      await sleep(50);
      got = await this.collect();
    }
    const hist = merge(got.histograms);
    const latency = summarise(hist);
    const p99WithLost = percentileWithLost(hist, 99, expected - got.deliveries);
    hist.destroy();
    return {
      sent,
      p99WithLost,
      failed,
      unanswered,
      firstError: sends.find((s) => s.firstError)?.firstError,
      deliveries: got.deliveries,
      expected,
      latency,
      generatorCpu: cpu,
    };
  }

  async collect(): Promise<{
    deliveries: number;
    histograms: string[];
    acked: Record<string, number>;
  }> {
    const parts = await this.all<{
      deliveries: number;
      histogram: string;
      acked: Record<string, number>;
    }>({ op: 'collect' });
    const acked: Record<string, number> = {};
    for (const p of parts)
      for (const [room, seq] of Object.entries(p.acked))
        acked[room] = Math.max(acked[room] ?? 0, seq);
    return {
      deliveries: parts.reduce((n, p) => n + p.deliveries, 0),
      histograms: parts.map((p) => p.histogram),
      acked,
    };
  }

  /** Closed loop: `inflight` sends outstanding in total for `ms`; acknowledged sends. */
  async closed(
    inflight: number,
    ms: number,
  ): Promise<{ acked: number; failed: number; firstError?: string; latency: LatencySummary }> {
    const id = `c${this.steps++}`;
    const parts = await this.all<{
      acked: number;
      failed: number;
      firstError?: string;
      latency: string;
    }>({ op: 'closed', step: id, inflight: Math.max(1, Math.round(inflight / this.size)), ms });
    const hist = merge(parts.map((p) => p.latency));
    const latency = summarise(hist);
    hist.destroy();
    return {
      acked: parts.reduce((n, p) => n + p.acked, 0),
      failed: parts.reduce((n, p) => n + p.failed, 0),
      firstError: parts.find((p) => p.firstError)?.firstError,
      latency,
    };
  }

  /** Drops every tracked socket at once; answers the instant of the drop. */
  async drop(): Promise<{ at: number; dropped: number }> {
    const at = now();
    const parts = await this.all<{ dropped: number }>({ op: 'drop' });
    return { at, dropped: parts.reduce((n, p) => n + p.dropped, 0) };
  }

  /** Reconnects and syncs the dropped sockets, retrying each until `deadline` (wall ms). */
  async reconnect(
    since: number,
    deadline: number,
  ): Promise<{
    times: number[];
    failed: number;
    messages: number;
    resent: number;
    firstError?: string;
  }> {
    const parts = await this.all<{
      times: number[];
      failed: number;
      messages: number;
      resent: number;
      firstError?: string;
    }>({ op: 'reconnect', since, deadline });
    return {
      times: parts.flatMap((p) => p.times),
      failed: parts.reduce((n, p) => n + p.failed, 0),
      messages: parts.reduce((n, p) => n + p.messages, 0),
      resent: parts.reduce((n, p) => n + p.resent, 0),
      firstError: parts.find((p) => p.firstError)?.firstError,
    };
  }

  /** Messages the clients that are up never saw, and how many tracked clients are still down. */
  async audit(last: Record<string, number>): Promise<{ missing: number; down: number }> {
    const parts = await this.all<{ missing: number; down: number }>({ op: 'audit', last });
    return {
      missing: parts.reduce((n, p) => n + p.missing, 0),
      down: parts.reduce((n, p) => n + p.down, 0),
    };
  }

  /** Disconnects every client (the workers stay up for the next scenario). */
  async close(): Promise<void> {
    await this.all({ op: 'close' });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null) return resolve();
            w.once('exit', () => resolve());
            w.disconnect();
            setTimeout(() => w.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  }
}
