/**
 * S4 cross-node: the same load on one Parley node and on two (every room spanning both),
 * deliveries per CPU-second of the node processes; Redis's CPU and commands meanwhile; and
 * `redis-benchmark` for what this Redis does with SPUBLISH of a message-sized payload.
 */
import { execFileSync } from 'node:child_process';
import Redis from 'ioredis';
import { bareCluster, Cluster, parleyCluster } from '../cluster';
import { CpuMeter, stackPid } from '../cpu';
import { Row, row, ScenarioOutput } from '../results';
import { stackEnv } from '../stack';
import { Context, describeStep, roomCount, withRooms } from './context';

const SIZE = 10;
const LEVEL = 0.5;

async function redisCommands(redis: Redis): Promise<number> {
  const m = /total_commands_processed:(\d+)/.exec(await redis.info('stats'));
  return m ? Number(m[1]) : NaN;
}

interface Load {
  deliveries: number;
  perCpuSecond: number;
  nodeCores: number;
  redisCores: number;
  redisCommandsPerSecond: number;
}

async function measure(ctx: Context, cluster: Cluster, rate: number, redis: Redis): Promise<Load> {
  const count = roomCount(ctx, SIZE);
  return withRooms(ctx, cluster, count, SIZE, async () => {
    const meter = new CpuMeter({
      nodes: () => cluster.servers.map((s) => s.child.pid),
      redis: () => [stackPid('redis')],
    });
    const commands = await redisCommands(redis);
    meter.start();
    const s = await ctx.gen.step(rate, ctx.sizes.latencyMs, SIZE, ctx.sizes.drainMs);
    const use = meter.stop();
    const perSecond = ((await redisCommands(redis)) - commands) / use.seconds;
    console.error(
      `bench: S4 ${cluster.label} at ${rate.toFixed(1)} msg/s: ${describeStep(s)}; nodes ${Math.round(
        (use.cpu.nodes / use.seconds) * 100,
      )}% redis ${Math.round((use.cpu.redis / use.seconds) * 100)}% of a core, machine ${Math.round(use.machine * 100)}% busy`,
    );
    return {
      deliveries: s.deliveries,
      perCpuSecond: s.deliveries / use.cpu.nodes,
      nodeCores: use.cpu.nodes / use.seconds,
      redisCores: use.cpu.redis / use.seconds,
      redisCommandsPerSecond: perSecond,
    };
  });
}

/** SPUBLISH requests per second `redis-benchmark` gets from the stack's Redis. */
function redisBenchmark(url: string, payload: number, requests: number): number {
  const { hostname, port } = new URL(url);
  const out = execFileSync(
    'redis-benchmark',
    [
      '-h',
      hostname,
      '-p',
      port,
      '-n',
      String(requests),
      '-c',
      '50',
      '--csv',
      'SPUBLISH',
      'bench:chan',
      'x'.repeat(payload),
    ],
    { encoding: 'utf8' },
  );
  const line = out.trim().split('\n').pop() ?? '';
  return Number(line.split(',')[1]?.replace(/"/g, ''));
}

export async function crossNodeScenario(ctx: Context): Promise<ScenarioOutput> {
  const max = ctx.maxRate.get(SIZE);
  if (!max?.parley || !max.bare)
    throw new Error(`S4 needs S2's maxima for rooms of ${SIZE} (run S2 first)`);
  const rate = max.parley * LEVEL;
  const redisUrl = stackEnv().REDIS_URL;
  const redis = new Redis(redisUrl, { lazyConnect: false, connectionName: 'bench-s4' });
  // Each cluster runs only while it is measured: idle processes cost CPU too.
  await ctx.releaseParley();
  const pair = (key: string, start: () => Promise<Cluster>, r: number) =>
    ctx.scoped(key, start, (cluster) => measure(ctx, cluster, r, redis));
  const p1 = await pair('s4-1', () => parleyCluster(1, `${ctx.runId}s4a`), rate);
  const p2 = await pair('s4-2', () => parleyCluster(2, `${ctx.runId}s4b`), rate);
  // The bare servers at the same share of their own maximum, for comparison (full runs).
  const bareRate = max.bare * LEVEL;
  const b = ctx.quick
    ? undefined
    : {
        one: await measure(ctx, await ctx.bare(), bareRate, redis),
        two: await pair('s4-bare-2', () => bareCluster(2, `${ctx.runId}s4`), bareRate),
      };
  const spublish = redisBenchmark(redisUrl, 400, ctx.quick ? 50_000 : 200_000);
  await redis.quit();
  const rows: Row[] = [
    row({
      key: 's4.per-cpu',
      scenario: 'S4',
      name: `Parley, 2 nodes vs 1, rooms of ${SIZE} at ${rate.toFixed(1)} msg/s`,
      metric: 'deliveries per CPU-second of the node processes',
      value: p2.perCpuSecond,
      unit: 'deliveries/CPU-s',
      ceiling: p1.perCpuSecond,
    }),
    row({
      scenario: 'S4',
      name: 'Parley, 2 nodes',
      metric: 'Redis CPU during the run',
      value: p2.redisCores * 100,
      unit: '% of a core',
    }),
    row({
      scenario: 'S4',
      name: 'Parley, 2 nodes',
      metric: 'Redis commands/s during the run vs redis-benchmark SPUBLISH (400 B, 50 clients)',
      value: p2.redisCommandsPerSecond,
      unit: 'commands/s',
      ceiling: spublish,
    }),
  ];
  if (b)
    rows.splice(
      1,
      0,
      row({
        scenario: 'S4',
        name: `bare Socket.IO, 2 servers vs 1, rooms of ${SIZE} at ${bareRate.toFixed(0)} msg/s`,
        metric: 'deliveries per CPU-second of the server processes (for comparison)',
        value: b.two.perCpuSecond,
        unit: 'deliveries/CPU-s',
        ceiling: b.one.perCpuSecond,
      }),
    );
  const notes = [
    `Node CPU at this load: one node ${Math.round(p1.nodeCores * 100)}% of a core, two nodes ${Math.round(
      p2.nodeCores * 100,
    )}% together; Redis ${Math.round(p1.redisCores * 100)}% with one node, ${Math.round(p2.redisCores * 100)}% with two.`,
  ];
  if (!b) notes.push('Quick runs leave out the bare servers’ own two-against-one comparison.');
  return { rows, notes };
}
