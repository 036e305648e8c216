/**
 * S2 fan-out and S3 latency: open-loop sends into rooms, Parley against a bare Socket.IO
 * server doing the same broadcast, measured in the same run.
 */
import { Cluster } from '../cluster';
import { formatNumber } from '../format';
import { LatencySummary } from '../histogram';
import { Row, row, ScenarioChart, ScenarioOutput } from '../results';
import { findMax, Probe } from '../search';
import {
  Context,
  describeCpu,
  describeStep,
  kept,
  roomCount,
  settle,
  stackMeter,
  withRooms,
} from './context';

/** The first probe's load, deliveries per second: well under what each can do. */
const START = { Parley: 40, bare: 32_000 };
const P99_MS = 100;

interface Max {
  best?: Probe;
  probes: (Probe & { p99: number })[];
  /** Sends Parley acknowledged (each must be stored). */
  acked: number;
  /** CPU over the probes, described. */
  cpu: string;
}

async function maxFanout(ctx: Context, cluster: Cluster, size: number): Promise<Max> {
  const { stepMs, drainMs, maxProbes } = ctx.sizes;
  const count = roomCount(ctx, size);
  // A probe below this rate would send fewer than two messages per worker.
  const floor = (2 * ctx.gen.size) / (stepMs / 1000);
  return withRooms(ctx, cluster, count, size, async () => {
    const probes: Max['probes'] = [];
    let acked = count; // the warm-up's one message per room
    const meter = stackMeter(ctx, cluster);
    meter.start();
    const result = await findMax(
      START[cluster.kind] / size,
      2,
      maxProbes,
      async (rate) => {
        // A failed rate is tried once more (full runs) after the servers went quiet: on a
        // shared machine one busy moment must not set a ceiling (or Parley's figure) lower
        // than it is.
        let probe: Probe = { rate, ok: false, value: 0 };
        for (let attempt = 1; attempt <= ctx.sizes.probeAttempts && !probe.ok; attempt++) {
          const s = await ctx.gen.step(rate, stepMs, size, drainMs);
          acked += s.sent - s.failed - s.unanswered;
          probe = { rate, ok: kept(s, P99_MS), value: s.deliveries / (stepMs / 1000) };
          probes.push({ ...probe, p99: s.latency.p99 });
          const waited = probe.ok ? 0 : await settle(cluster, ctx.sizes.settleMs);
          console.error(
            `bench: S2 ${cluster.label}, rooms of ${size}: ${rate.toFixed(1)} msg/s: ${describeStep(s)}${
              probe.ok ? '' : ` (fails; then ${Math.round(waited)} ms for the servers to go quiet)`
            }`,
          );
        }
        return probe;
      },
      floor,
    );
    return { ...result, probes, acked, cpu: describeCpu(meter.stop()) };
  });
}

/** A search's probes as (offered deliveries/s, p99) points. */
const curve = (label: string, max: Max, size: number) => ({
  label,
  points: [...max.probes]
    .sort((a, b) => a.rate - b.rate)
    .map((q) => [q.rate * size, q.p99] as [number, number]),
});

export async function fanoutScenario(ctx: Context): Promise<ScenarioOutput> {
  const parley = await ctx.freshParley('s2');
  const bare = await ctx.bare();
  const rows: Row[] = [];
  const notes: string[] = [];
  const storedBefore = await parley.storedMessages();
  let acked = 0;
  const results: { size: number; parley: Max; bare: Max }[] = [];
  for (const size of ctx.sizes.roomSizes) {
    const b = await maxFanout(ctx, bare, size);
    const p = await maxFanout(ctx, parley, size);
    acked += p.acked;
    results.push({ size, parley: p, bare: b });
    ctx.maxRate.set(size, { parley: p.best?.rate, bare: b.best?.rate });
    rows.push(
      row({
        key: `s2.deliveries.${size}`,
        scenario: 'S2',
        name: `rooms of ${size}`,
        metric: `max deliveries/s with p99 < ${P99_MS} ms (Parley at ${p.best ? p.best.rate.toFixed(1) : 'no passing'} msg/s)`,
        value: p.best?.value ?? 0,
        unit: 'deliveries/s',
        ceiling: b.best?.value,
      }),
    );
    notes.push(
      `Rooms of ${size}, CPU over all of Parley’s probes: ${p.cpu}. Over the bare server’s: ${b.cpu}.`,
    );
    if (!b.best)
      notes.push(`Rooms of ${size}: the bare ceiling never passed, so there is no ratio.`);
    else if (!b.probes.some((q) => !q.ok && q.rate > b.best!.rate))
      notes.push(
        `Rooms of ${size}: the bare ceiling passed every probe, so it is at least ${formatNumber(
          b.best.value,
        )} deliveries/s and Parley’s ratio at most the one in the table.`,
      );
  }
  const stored = (await parley.storedMessages()) - storedBefore;
  rows.push(
    row({
      key: 's2.stored',
      scenario: 'S2',
      name: 'all rooms',
      metric: `messages stored / sends acknowledged (${stored} / ${acked})`,
      value: stored / acked,
      unit: 'share',
    }),
  );
  const chart: ScenarioChart = {
    scenario: 'S2',
    kind: 'bar',
    file: 's2-fanout.png',
    title: 'S2: max deliveries/s with p99 < 100 ms (log scale)',
    y: { label: 'deliveries per second', log: true },
    categories: results.map((r) => `rooms of ${r.size}`),
    series: [
      { label: 'Parley', values: results.map((r) => r.parley.best?.value ?? NaN) },
      { label: 'bare Socket.IO', values: results.map((r) => r.bare.best?.value ?? NaN) },
    ],
  };
  const probes: ScenarioChart = {
    scenario: 'S2',
    kind: 'line',
    file: 's2-probes.png',
    title: 'S2: p99 latency against offered load (log-log)',
    x: { label: 'offered deliveries per second', log: true },
    y: { label: 'p99 send→receive, ms', log: true },
    series: results.flatMap((r) => [
      curve(`Parley, ${r.size}`, r.parley, r.size),
      curve(`bare, ${r.size}`, r.bare, r.size),
    ]),
  };
  return { rows, charts: [chart, probes], notes };
}

const LEVELS = [0.25, 0.5, 0.75];
const SIZE = 10;

export async function latencyScenario(ctx: Context): Promise<ScenarioOutput> {
  const max = ctx.maxRate.get(SIZE)?.parley;
  if (!max) throw new Error(`S3 needs S2's Parley maximum for rooms of ${SIZE} (run S2 first)`);
  const { latencyMs, drainMs } = ctx.sizes;
  const count = roomCount(ctx, SIZE);
  const run = async (cluster: Cluster) =>
    withRooms(ctx, cluster, count, SIZE, async () => {
      const out: LatencySummary[] = [];
      for (const level of LEVELS) {
        const s = await ctx.gen.step(max * level, latencyMs, SIZE, drainMs);
        console.error(`bench: S3 ${cluster.label} at ${level * 100}%: ${describeStep(s)}`);
        out.push(s.latency);
      }
      return out;
    });
  const parley = await run(await ctx.freshParley('s3'));
  const bare = await run(await ctx.bare());
  const rows: Row[] = [];
  LEVELS.forEach((level, i) => {
    for (const p of ['p50', 'p99', 'p999'] as const)
      rows.push(
        row({
          key: `s3.${p}.${level * 100}`,
          scenario: 'S3',
          name: `${level * 100} % of S2 max (${(max * level).toFixed(1)} msg/s, rooms of ${SIZE})`,
          metric: `send→receive ${p === 'p999' ? 'p99.9' : p} (of ${parley[i].count} deliveries)`,
          value: parley[i][p],
          unit: 'ms',
          ceiling: bare[i][p],
        }),
      );
  });
  const chart: ScenarioChart = {
    scenario: 'S3',
    kind: 'bar',
    file: 's3-latency.png',
    title: `S3: send→receive latency, rooms of ${SIZE} (log scale)`,
    y: { label: 'ms', log: true },
    categories: LEVELS.flatMap((l) => [
      `p50 @${l * 100}%`,
      `p99 @${l * 100}%`,
      `p99.9 @${l * 100}%`,
    ]),
    series: [
      { label: 'Parley', values: parley.flatMap((s) => [s.p50, s.p99, s.p999]) },
      { label: 'bare Socket.IO, same load', values: bare.flatMap((s) => [s.p50, s.p99, s.p999]) },
    ],
  };
  return { rows, charts: [chart] };
}
