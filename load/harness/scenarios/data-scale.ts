/**
 * D1 data scale (issue 11): the same operations on a two-node cluster over an empty database
 * (only the fixtures the operations use) and over a full one (the fixtures inside a million
 * messages, ten thousand conversations, fifty thousand users: quick runs a tenth), each
 * preloaded through the driver with the documents Parley would have written. The ratio of
 * full to empty is the result.
 */
import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { Cluster, parleyCluster } from '../cluster';
import { describeDatabase } from '../cpu';
import { buildConversation, Built, DatasetSizes, ids } from '../dataset';
import { fillerPlans, fixtures, fixtureSizes } from '../dataset-plan';
import { preload } from '../preload';
import { ScenarioOutput } from '../results';
import { Context, settle } from './context';
import { Budget, LIVE_MS, measureOps, OP_MS, OpId } from './data-scale-ops';
import { cpuNote, d1Chart, d1Rows, Measured, OPS, PreloadFigures } from './data-scale-rows';

const BATCH = 2000;
const INFLIGHT = 3;
/** At most this long before each operation for the nodes and the database to go quiet. */
const QUIET_MS = 20_000;

const log = (line: string) => console.error(`bench: D1 ${line}`);

interface OnDatabase {
  series: Measured;
  preload: PreloadFigures;
  biggest: number;
  fixture: DatasetSizes;
}

async function onDatabase(
  cluster: Cluster,
  label: string,
  sizes: DatasetSizes | null,
  budget: Budget,
): Promise<OnDatabase> {
  const client = await mongo.MongoClient.connect(cluster.mongoUrl!);
  try {
    const now = Date.now();
    const id = ids(randomUUID);
    const { built, probes } = fixtures(id, now);
    const fixture = fixtureSizes(built);
    let source: Iterable<Built> = built;
    let users = fixture.users;
    let biggest = Math.max(...built.map((b) => b.lastSeq));
    if (sizes) {
      const { plans } = fillerPlans(
        {
          messages: sizes.messages - fixture.messages,
          conversations: sizes.conversations - fixture.conversations,
          users: sizes.users - fixture.users,
        },
        id,
        now,
      );
      biggest = Math.max(biggest, ...plans.map((p) => p.messages));
      users = sizes.users;
      source = (function* () {
        yield* built;
        for (const plan of plans) yield buildConversation(plan, id);
      })();
    }
    log(`${label}: preloading`);
    const stats = await preload(client.db(), source, {
      batch: BATCH,
      inflight: INFLIGHT,
      progress: (n) => log(`${label}: ${n.toLocaleString('en-US')} documents`),
    });
    const stored = await client.db().collection('messages').countDocuments({});
    if (stored !== stats.messages)
      throw new Error(`${label}: ${stored} messages stored, ${stats.messages} preloaded`);
    log(
      `${label}: ${stats.messages} messages, ${stats.conversations} conversations, ${stats.members} memberships in ${(stats.ms / 1000).toFixed(1)} s`,
    );
    const series = await measureOps(
      cluster.servers.map((s) => s.url),
      probes,
      budget,
      async () => {
        const waited = await settle(cluster, QUIET_MS);
        if (waited > 1000) log(`${label}: waited ${(waited / 1000).toFixed(1)} s for quiet`);
      },
      (line) => log(`${label}: ${line}`),
    );
    return {
      series,
      preload: { ...stats, users, batch: BATCH, inflight: INFLIGHT },
      biggest,
      fixture,
    };
  } finally {
    await client.close();
  }
}

export async function dataScaleScenario(ctx: Context): Promise<ScenarioOutput> {
  await ctx.releaseParley();
  const s = ctx.sizes;
  const budget: Budget = {
    warmup: s.d1Warmup,
    samples: s.d1Samples,
    ms: s.d1BudgetMs,
    sendRate: s.d1SendRate,
    sendMs: s.d1SendMs,
  };
  const empty = await ctx.scoped(
    'd1-empty',
    () => parleyCluster(2, `${ctx.runId}d1e`),
    (c) => onDatabase(c, 'empty', null, budget),
  );
  const full = await ctx.scoped(
    'd1-full',
    () => parleyCluster(2, `${ctx.runId}d1f`),
    (c) => onDatabase(c, 'full', s.d1, budget),
  );
  const f = empty.fixture;
  const p = full.preload;
  const notes = [
    `Full database (${describeDatabase()}): ${p.messages.toLocaleString('en-US')} messages in ` +
      `${p.conversations.toLocaleString('en-US')} conversations (60 % private, groups of 3 to 63 ` +
      `members, most small; messages per conversation log-normal, the biggest ${full.biggest.toLocaleString('en-US')}), ` +
      `${p.users.toLocaleString('en-US')} users, ${p.members.toLocaleString('en-US')} memberships, ` +
      `preloaded in ${(p.ms / 1000).toFixed(0)} s while the cluster ran. The empty database holds only ` +
      `the fixtures the operations use, which the full one holds too: ${f.conversations} ` +
      `conversations, ${f.messages.toLocaleString('en-US')} messages, ${f.users} users.`,
    'Each operation, one at a time on alternating nodes (the sends open-loop at ' +
      `${s.d1SendRate} msg/s for ${s.d1SendMs / 1000} s, timed from their scheduled instant): ` +
      `${s.d1Warmup} unrecorded first, then up to ${s.d1Samples} samples or ${s.d1BudgetMs / 1000} s. ` +
      `An operation not answered within ${OP_MS / 1000} s counts as failed; one whose warm-up ` +
      'already was not answered in time is reported as that one failure. ' +
      '"connect": until a message that another member sends from the other node right after ' +
      `the client saw \`connect\` arrives as \`message:new\` (one that does not within ${LIVE_MS / 1000} s of ` +
      'its ack counts as failed); "joined": until a `sync` sent right after `connect` is answered.',
    cpuNote(full.series, empty.series),
  ];
  for (const [label, m] of [
    ['full', full.series],
    ['empty', empty.series],
  ] as const)
    for (const op of OPS) {
      const series = m[op.id as OpId];
      if (series?.failed)
        notes.push(
          `${label} database, ${op.short}: ${series.failed} failed, the first: ${series.firstError}.`,
        );
    }
  return {
    rows: d1Rows(full.series, empty.series, full.preload),
    charts: [d1Chart(full.series, empty.series)],
    notes,
  };
}
