/**
 * D1 data scale (issue 11): the same operations on a two-node cluster over an empty database
 * (only the fixtures the operations use) and on another over a full one (the fixtures inside
 * a million messages, ten thousand conversations, fifty thousand users: quick runs a tenth),
 * each preloaded through the driver with the documents Parley would have written; both run
 * at once and the operations alternate between them. The ratio of full to empty is the
 * result.
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
import { Budget, LIVE_MS, measureOps, OP_MS, OpId, Side } from './data-scale-ops';
import { cpuNote, d1Chart, d1Rows, OPS, PreloadFigures } from './data-scale-rows';

const BATCH = 2000;
const INFLIGHT = 3;
/** At most this long before each operation for the nodes and the database to go quiet. */
const QUIET_MS = 20_000;

const log = (line: string) => console.error(`bench: D1 ${line}`);

interface Prepared {
  side: Side;
  preload: PreloadFigures;
  biggest: number;
  fixture: DatasetSizes;
}

/** Preloads the fixtures (and with `sizes`, the filler around them) into `cluster`'s database. */
async function prepare(
  cluster: Cluster,
  label: string,
  sizes: DatasetSizes | null,
): Promise<Prepared> {
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
    return {
      side: {
        label,
        urls: cluster.servers.map((s) => s.url),
        probes,
        series: {} as Side['series'],
      },
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
  // Both clusters run at once, so that the operations can alternate between them.
  const [empty, full] = await ctx.scoped(
    'd1-empty',
    () => parleyCluster(2, `${ctx.runId}d1e`),
    (emptyCluster) =>
      ctx.scoped(
        'd1-full',
        () => parleyCluster(2, `${ctx.runId}d1f`),
        async (fullCluster) => {
          const both = [await prepare(emptyCluster, 'empty', null)];
          both.push(await prepare(fullCluster, 'full', s.d1));
          const servers = [...emptyCluster.servers, ...fullCluster.servers];
          await measureOps(
            both.map((b) => b.side),
            budget,
            async () => {
              const waited = await settle({ ...fullCluster, servers }, QUIET_MS);
              if (waited > 1000) log(`waited ${(waited / 1000).toFixed(1)} s for quiet`);
            },
            log,
          );
          return both;
        },
      ),
  );
  const f = empty.fixture;
  const p = full.preload;
  const [e, u] = [empty.side.series, full.side.series];
  const notes = [
    `Full database (${describeDatabase()}): ${p.messages.toLocaleString('en-US')} messages in ` +
      `${p.conversations.toLocaleString('en-US')} conversations (60 % private, groups of 3 to 63 ` +
      `members, most small; messages per conversation log-normal, the biggest ${full.biggest.toLocaleString('en-US')}), ` +
      `${p.users.toLocaleString('en-US')} users, ${p.members.toLocaleString('en-US')} memberships, ` +
      `preloaded in ${(p.ms / 1000).toFixed(0)} s while its cluster ran. The empty database holds only ` +
      `the fixtures the operations use, which the full one holds too: ${f.conversations} ` +
      `conversations, ${f.messages.toLocaleString('en-US')} messages, ${f.users} users.`,
    'Both clusters run at once and each operation alternates between them in blocks of ' +
      'samples, one operation at a time on alternating nodes (the sends open-loop at ' +
      `${s.d1SendRate} msg/s for ${s.d1SendMs / 1000} s a side in four turns, timed from their ` +
      `scheduled instant): ${s.d1Warmup} unrecorded first, then up to ${s.d1Samples} samples ` +
      `or ${s.d1BudgetMs / 1000} s a side. ` +
      `An operation not answered within ${OP_MS / 1000} s counts as failed; one whose warm-up ` +
      'already was not answered in time is reported as that one failure. ' +
      '"connect": until a message that another member sends from the other node right after ' +
      `the client saw \`connect\` arrives as \`message:new\` (one that does not within ${LIVE_MS / 1000} s of ` +
      'its ack counts as failed); "joined": until a `sync` sent right after `connect` is answered.',
    cpuNote(u, e),
  ];
  for (const [label, m] of [
    ['full', u],
    ['empty', e],
  ] as const)
    for (const op of OPS) {
      const series = m[op.id as OpId];
      if (series?.failed)
        notes.push(
          `${label} database, ${op.short}: ${series.failed} failed, the first: ${series.firstError}.`,
        );
    }
  return {
    rows: d1Rows(u, e, full.preload),
    charts: [d1Chart(u, e)],
    notes,
  };
}
