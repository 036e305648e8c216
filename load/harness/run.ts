/**
 * `npm run bench [-- S1 S2 …] [-- --quick]`: runs the scenarios (all by default, S1–S6 in a
 * quick run; S3 and S4 take their loads from S2, which then runs too) against the local stack, writes
 * load/results/<date>.json and latest.json, and regenerates BENCHMARKS.md and its charts.
 * `node dist-load/load/harness/run.js --report` only regenerates them from latest.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatNumber } from './format';
import { writeReport } from './report';
import { carryOver, machine, parseResults, Results, resultsJson, ScenarioId } from './results';
import { Context, Scenario } from './scenarios/context';
import { describeDatabase } from './cpu';
import { attachmentsScenario } from './scenarios/attachments';
import { crossNodeScenario } from './scenarios/cross-node';
import { dataScaleScenario } from './scenarios/data-scale';
import { fanoutScenario, latencyScenario } from './scenarios/fanout';
import { idleScenario } from './scenarios/idle';
import { searchScenario } from './scenarios/message-search';
import { outboxScenario } from './scenarios/outbox';
import { persistenceScenario } from './scenarios/persistence';
import { reconnectScenario } from './scenarios/reconnect';
import { reactionStormScenario } from './scenarios/reaction-storm';
import { stormScenario } from './scenarios/storm';
import { ROOT } from './stack';

// In this order: S1 needs the Parley node fresh; S3 and S4 need S2's maxima.
const SCENARIOS: Record<ScenarioId, Scenario> = {
  S1: idleScenario,
  S2: fanoutScenario,
  S3: latencyScenario,
  S4: crossNodeScenario,
  S5: reconnectScenario,
  S6: persistenceScenario,
  R1: stormScenario,
  R2: reactionStormScenario,
  O1: outboxScenario,
  D1: dataScaleScenario,
  A1: attachmentsScenario,
  Q1: searchScenario,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--report')) {
    // Only BENCHMARKS.md and the charts again, from the last run's results.
    const file = join(ROOT, 'load', 'results', 'latest.json');
    writeReport(parseResults(readFileSync(file, 'utf8')), ROOT);
    console.error(`bench: BENCHMARKS.md and load/charts written from ${file}`);
    return;
  }
  const quick = args.includes('--quick');
  const asked = args.filter((a) => !a.startsWith('--')).map((a) => a.toUpperCase());
  for (const a of asked)
    if (!(a in SCENARIOS))
      throw new Error(`unknown scenario ${a}; known: ${Object.keys(SCENARIOS).join(' ')}`);
  // A quick run by default is issue 7's suite (S1–S6, under 3 minutes); the storms of issue 5
  // (R1, and R2 of issue 14), the relay of issue 6 (O1) and the data scale of issue 11 (D1) run in
  // full runs, or when named. Search (Q1, issue 15: a million messages in a full run) only when
  // named.
  const defaults = Object.keys(SCENARIOS).filter(
    (id) => id !== 'Q1' && (!quick || id.startsWith('S')),
  );
  const wanted = new Set(asked.length ? asked : defaults);
  if (wanted.has('S3') || wanted.has('S4')) wanted.add('S2');

  const started = Date.now();
  const results: Results = {
    date: new Date().toISOString(),
    quick,
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    machine: { ...machine(), database: describeDatabase() },
    scenarios: [],
    charts: [],
    notes: {},
  };
  const ctx = new Context(quick);
  // Ctrl-C still stops the servers and drops the run's databases.
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    console.error('bench: interrupted; stopping');
    void ctx.stop().finally(() => process.exit(130));
  });
  try {
    for (const [id, scenario] of Object.entries(SCENARIOS) as [ScenarioId, Scenario][]) {
      if (!wanted.has(id)) continue;
      if (interrupted) break;
      const t0 = Date.now();
      console.error(`bench: ${id}${quick ? ' (quick)' : ''}`);
      try {
        const out = await scenario(ctx);
        results.scenarios.push(...out.rows);
        results.charts.push(...(out.charts ?? []));
        if (out.notes?.length) results.notes[id] = out.notes;
      } catch (err) {
        // One scenario failing must not hide the others' figures: it is reported instead.
        console.error(`bench: ${id} failed:`, err);
        results.notes[id] = [`This scenario failed in this run: ${String(err).split('\n')[0]}`];
      }
      console.error(`bench: ${id} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await ctx.stop();
  }

  for (const r of results.scenarios)
    console.log(
      `${r.scenario} | ${r.name} | ${r.metric} | ${formatNumber(r.value)} ${r.unit} | ceiling ${formatNumber(r.ceiling)} | ratio ${formatNumber(r.ratio)}`,
    );
  const dir = join(ROOT, 'load', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${results.date.slice(0, 19).replace(/:/g, '-')}.json`),
    resultsJson(results),
  );
  // latest.json (full runs; committed with BENCHMARKS.md, so a fresh clone carries over too)
  // or latest-quick.json also keeps what this run did not measure.
  const latest = join(dir, results.quick ? 'latest-quick.json' : 'latest.json');
  const previous = existsSync(latest) ? parseResults(readFileSync(latest, 'utf8')) : undefined;
  const whole = carryOver(results, previous, wanted as Set<ScenarioId>);
  writeFileSync(latest, resultsJson(whole));
  writeReport(whole, ROOT);
  console.error(
    `bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s; BENCHMARKS.md and ${'load/charts'} written`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
