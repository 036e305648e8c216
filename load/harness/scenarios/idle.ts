/** S1: the memory an idle socket costs, Parley against a bare Socket.IO server. */
import { Cluster } from '../cluster';
import { Row, row, ScenarioChart, ScenarioOutput } from '../results';
import { openFileLimit } from '../cpu';
import { slope } from '../search';
import { Context } from './context';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 2 ** 20;

interface Curve {
  points: { sockets: number; rss: number; heap: number }[];
  rssSlope: number;
  heapSlope: number;
}

/**
 * The steps this machine allows: a server needs a descriptor per socket and some for itself,
 * and cannot have more than the open-file limit the run inherited.
 */
function idleSteps(ctx: Context): number[] {
  const most = openFileLimit() - 1000;
  const steps = ctx.sizes.idleSteps.filter((n) => n <= most);
  if (steps.length < ctx.sizes.idleSteps.length) steps.push(Math.floor(most / 1000) * 1000);
  return steps;
}

async function measure(ctx: Context, cluster: Cluster): Promise<Curve> {
  const steps = idleSteps(ctx);
  const total = steps[steps.length - 1];
  // Users in no conversation (creating thousands would measure FerretDB, not sockets):
  // each socket is in one room, its user's on Parley and its own on the bare server.
  const url = cluster.servers[0].url;
  const specs = (await cluster.makeUsers(total)).map((auth) => ({ url, auth, room: '' }));
  const workerOf = (i: number) => i % ctx.gen.size;
  const points: Curve['points'] = [];
  try {
    let done = 0;
    for (const target of steps) {
      await ctx.gen.connect(specs.slice(done, target), (i) => workerOf(done + i));
      done = target;
      await sleep(ctx.sizes.idleSettleMs);
      const [m] = await cluster.memory();
      points.push({ sockets: target, ...m });
      console.error(
        `bench: S1 ${cluster.label}: ${target} sockets, RSS ${(m.rss / MiB).toFixed(1)} MiB, heap ${(m.heap / MiB).toFixed(1)} MiB`,
      );
    }
  } finally {
    await ctx.gen.close();
  }
  return {
    points,
    rssSlope: slope(points.map((p) => [p.sockets, p.rss])),
    heapSlope: slope(points.map((p) => [p.sockets, p.heap])),
  };
}

export async function idleScenario(ctx: Context): Promise<ScenarioOutput> {
  const parley = await measure(ctx, await ctx.freshParley('s1'));
  const bare = await measure(ctx, await ctx.bare());
  const steps = idleSteps(ctx);
  const range = `${steps[0].toLocaleString('en-US')}–${steps[steps.length - 1].toLocaleString('en-US')} sockets`;
  const last = (c: Curve) => c.points[c.points.length - 1];
  const rows: Row[] = [
    row({
      key: 's1.rss-per-socket',
      scenario: 'S1',
      name: 'idle sockets',
      metric: `RSS per socket (slope over ${range})`,
      value: parley.rssSlope,
      unit: 'bytes/socket',
      ceiling: bare.rssSlope,
    }),
    row({
      key: 's1.heap-per-socket',
      scenario: 'S1',
      name: 'idle sockets',
      metric: `V8 heap used per socket (slope over ${range})`,
      value: parley.heapSlope,
      unit: 'bytes/socket',
      ceiling: bare.heapSlope,
    }),
    row({
      scenario: 'S1',
      name: 'idle sockets',
      metric: `RSS with ${steps[steps.length - 1].toLocaleString('en-US')} sockets`,
      value: last(parley).rss / MiB,
      unit: 'MiB',
      ceiling: last(bare).rss / MiB,
    }),
  ];
  const chart: ScenarioChart = {
    scenario: 'S1',
    kind: 'line',
    file: 's1-idle.png',
    title: 'S1: server memory against idle sockets',
    x: { label: 'connected sockets' },
    y: { label: 'MiB' },
    series: [
      { label: 'Parley RSS', points: parley.points.map((p) => [p.sockets, p.rss / MiB]) },
      { label: 'bare RSS', points: bare.points.map((p) => [p.sockets, p.rss / MiB]) },
      { label: 'Parley heap', points: parley.points.map((p) => [p.sockets, p.heap / MiB]) },
      { label: 'bare heap', points: bare.points.map((p) => [p.sockets, p.heap / MiB]) },
    ],
  };
  const notes =
    steps[steps.length - 1] < ctx.sizes.idleSteps[ctx.sizes.idleSteps.length - 1]
      ? [
          `Stopped at ${steps[steps.length - 1].toLocaleString('en-US')} sockets: the open-file limit here is ${openFileLimit()} (hard), and a server needs a descriptor per socket.`,
        ]
      : [];
  return { rows, charts: [chart], notes };
}
