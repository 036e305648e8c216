/**
 * BENCHMARKS.md from a run's results: the targets and whether this run met them, a table per
 * scenario, the notes the scenarios left, and the charts (PNG files beside it). `markdown`
 * and `targetChart` are pure; `writeReport` renders and writes.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BarChart, chartSvg, svgToPng } from './chart';
import { formatNumber } from './format';
import { Results, ScenarioChart, ScenarioId } from './results';
import { evaluate, Verdict } from './targets';

/** Where the charts go, relative to the project root (committed with BENCHMARKS.md). */
export const CHART_DIR = 'load/charts';

const SCENARIOS: Record<ScenarioId, { title: string; about: string }> = {
  S1: {
    title: 'S1 idle connections',
    about:
      'Sockets connected and idle (each in one room: its user’s on Parley, a room of its own ' +
      'on the bare server), added in steps; the server ' +
      'process’s RSS and V8 heap after each step. The slope (least squares) is the cost of ' +
      'one socket. Ceiling: a bare Socket.IO server holding the same sockets in the same rooms.',
  },
  S2: {
    title: 'S2 fan-out',
    about:
      'Open-loop sends into rooms of N members, the rate doubled step by step while the ' +
      'p99 send→receive latency (timed from each send’s scheduled instant, over every ' +
      'delivery, a lost one counting as infinitely late) stays under 100 ms, then bisected ' +
      'to within 20 %; in full runs a failed rate is tried once more after the servers ' +
      'went quiet (quick runs try each rate once, so a busy moment weighs more). The ' +
      'value is the highest passing step’s deliveries per second. Ceiling: a bare Socket.IO server doing the same fan-out ' +
      '(stamp, broadcast to the room, ack), no storage. Every Parley send is acknowledged ' +
      'only once stored; the stored count is checked in the database afterwards.',
  },
  S3: {
    title: 'S3 latency',
    about:
      'Send→receive latency over every delivery in rooms of 10 at 25, 50 and 75 % of ' +
      'Parley’s S2 maximum. Ceiling: the bare server under the same offered load.',
  },
  S4: {
    title: 'S4 cross-node',
    about:
      'Two Parley nodes of one cluster, every room’s members alternating between them, at ' +
      'the same offered load as one node; deliveries per CPU-second of the node processes. ' +
      'Redis’s CPU and commands per second during the run; `redis-benchmark` (SPUBLISH of ' +
      'a message-sized payload) for what this Redis can do.',
  },
  S5: {
    title: 'S5 reconnect storm',
    about:
      'Every client socket is dropped at once while messages keep being sent, then all ' +
      'reconnect at once and call `sync` from the last seq they saw (paging while `hasMore`); ' +
      'a refused or timed-out attempt is retried with socket.io-client’s default backoff ' +
      '(1 s doubling to 5 s, ±50 %). A client is recovered once its sync answered; the target ' +
      'counts those within 15 s of the reconnect. Missing is what a recovered client never ' +
      'got, live or by sync; re-sent is what sync returned that the client already had. ' +
      'Ceiling: the bare server reconnecting as many sockets (it has no history to sync).',
  },
  S6: {
    title: 'S6 persistence',
    about:
      'Socket sends with many in flight over many conversations; acknowledged (so stored) ' +
      'messages per second. Ceiling: the raw MongoDB driver’s insertMany (100 per batch) of ' +
      'message-shaped documents on the same FerretDB, into a collection with no index but ' +
      '`_id` (the best the driver does; Parley’s messages carry three more, and each send ' +
      'also writes its conversation and an outbox event). The database’s CPU per stored ' +
      'message (every process of the stack’s database: FerretDB, and PostgreSQL’s process ' +
      'tree when it is the backend) against its CPU per document of that insertMany.',
  },
  R1: {
    title: 'R1 receipt and typing storms',
    about:
      'Group rooms of 10 on one node, one socket per member; every client sends `read` ' +
      '(its cursor moving one message at a time, re-reading after the end) twice a second ' +
      'and `typing` five times a second. Receipts acknowledged, the MongoDB cursor writes ' +
      'they became (the node’s own counters) against one write per receipt, the coalescing ' +
      'ratio, and the receipt and typing events the other members received (typing against ' +
      'every event sent reaching every other member: the throttle passes at most one per ' +
      'user and conversation per 2 s).',
  },
  R2: {
    title: 'R2 reaction storm',
    about:
      'Group rooms of 10 on one node, one socket per member; every client adds or removes ' +
      'a reaction twice a second (toggling one of five emoji on one of its room’s three ' +
      'messages). Reactions acknowledged, the MongoDB writes they became (one bulk write ' +
      'per coalesced flush, the node’s own counters) against one write per reaction, the ' +
      'writes per reaction, and the `reaction:updated` events the members received against ' +
      'one event per reaction reaching every member.',
  },
  Q1: {
    title: 'Q1 message search',
    about:
      'Two nodes, each running the search-index worker, over N messages stored (a tenth in ' +
      'the searcher’s 50 conversations, the rest in conversations of 100 messages it is not ' +
      'in) and handed to the queue in jobs of 500 ids (as the relay batches a ' +
      'backlog): messages per second until the index holds them all, against a raw _bulk of ' +
      'the same documents (500 per request, 4 in flight like the workers) into an index of ' +
      'the same mapping. The p99 indexing lag (change to indexed, histogram bucket bound) ' +
      'under steady REST sends at 200 msg/s, and at the highest lower rate the stack keeps ' +
      'up with when it does not; GET /search p50/p99 for one and three terms by a member of ' +
      'the 50; the index size from _stats.',
  },
  O1: {
    title: 'O1 outbox relay',
    about:
      'REST sends (32 in flight over 4 conversations) on a node with the outbox relay and ' +
      'the delivery worker on, against the same node with the relay off, each on a fresh ' +
      'database; the time until the outbox is empty after the last send; and a backlog ' +
      'left by a node with the relay off drained by a relay-only node, against a bare ' +
      'idempotent kafkajs producer publishing as many CloudEvent-sized records.',
  },
  D1: {
    title: 'D1 data scale',
    about:
      'A two-node cluster over a full database (preloaded through the driver with the ' +
      'documents Parley writes: conversations with their summaries, member rows with their ' +
      'cursors, messages) against another over an empty one holding only the ' +
      'conversations the operations use; both hold those same fixtures, both run at once, ' +
      'and every operation alternates between them in blocks of samples, so a machine that ' +
      'gets busier during the run weighs on both alike. p50 and p99 of each operation; the ' +
      'ceiling is the empty database’s figure, so the ratio is what the data costs. The old ' +
      'page is reported as measured, with the database CPU it costs.',
  },
  A1: {
    title: 'A1 attachments',
    about:
      'One round after the other on a fresh one-node Parley: presign, upload 100 KB straight ' +
      'to S3 (S3Proxy) through the presigned POST, send a message carrying it (REST; the ' +
      'node checks the object in S3 and copies it before the send reaches the actor), then ' +
      'the same send without an attachment: the ceiling. p50 and p99 of each step.',
  },
};

const fmtRatio = (r: number | undefined) => (r === undefined ? '' : `${formatNumber(r)}×`);

function verdictText(v: Verdict): string {
  if (v.met === undefined) return 'not measured';
  return v.met ? 'met' : 'missed';
}

function targetCell(v: Verdict): string {
  const bound = v.target.field === 'ratio' ? `${v.target.bound}×` : String(v.target.bound);
  return `${v.target.op === '>=' ? '≥' : '≤'} ${bound}: ${verdictText(v)}`;
}

/** The overview chart: every target's ratio (or share) beside its bound. */
export function targetChart(results: Results): BarChart {
  // D1's eight ratios have a chart of their own (d1Chart), one bar per operation.
  const verdicts = evaluate(results.scenarios).filter(
    (v) => v.target.field === 'ratio' && v.target.scenario !== 'D1',
  );
  return {
    kind: 'bar',
    file: 'targets.png',
    title: 'Parley / ceiling, per target (log scale)',
    y: { label: 'ratio to the ceiling', log: true },
    categories: verdicts.map((v) => `${v.target.scenario} (${v.target.op === '>=' ? '≥' : '≤'})`),
    series: [
      { label: 'measured ratio', values: verdicts.map((v) => v.measured ?? NaN) },
      { label: 'target bound', values: verdicts.map((v) => v.target.bound) },
    ],
  };
}

const utc = (iso: string) => iso.slice(0, 16).replace('T', ' ');

export function markdown(results: Results, charts: ScenarioChart[] = results.charts): string {
  const m = results.machine;
  const verdicts = evaluate(results.scenarios);
  const out: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (load/harness/report.ts) from load/results/latest.json. Do not edit. -->',
    '',
    `Measured on ${utc(results.date)} UTC with \`${results.command}\`` +
      `${results.quick ? ' (quick: smaller sizes and shorter steps than the full run)' : ''}.` +
      (Object.keys(results.carried ?? {}).length
        ? ' Scenarios that run did not measure keep the figures of the run that last did, ' +
          'named in their sections.'
        : ''),
    '',
    `Machine: ${m.cpus} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; the whole ` +
      `local stack (Redis, ${m.database ?? 'FerretDB'}, Kafka, S3Proxy), the servers and the load ` +
      'generator share it, and other work may run on it too. Absolute figures are noisy; ' +
      'each ratio is against a ceiling measured in the same run.',
    '',
    '## Targets (issues 7 and 11)',
    '',
    '| scenario | target | measured | result |',
    '| --- | --- | --- | --- |',
    ...verdicts.map(
      (v) =>
        `| ${v.target.scenario} | ${v.target.text} | ${
          v.measured === undefined
            ? ''
            : v.target.field === 'ratio'
              ? fmtRatio(v.measured)
              : formatNumber(v.measured)
        } | ${verdictText(v)} |`,
    ),
    '',
    `![Parley against its ceilings](${CHART_DIR}/targets.png)`,
    '',
  ];
  for (const id of Object.keys(SCENARIOS) as ScenarioId[]) {
    const rows = results.scenarios.filter((r) => r.scenario === id);
    const notes = results.notes[id] ?? [];
    if (!rows.length && !notes.length) continue;
    out.push(`## ${SCENARIOS[id].title}`, '', SCENARIOS[id].about, '');
    const from = results.carried?.[id];
    if (from) out.push(`Measured on ${utc(from.date)} UTC with \`${from.command}\`.`, '');
    if (rows.length) {
      out.push(
        '| case | metric | value | unit | ceiling | ratio | target |',
        '| --- | --- | --- | --- | --- | --- | --- |',
      );
      for (const r of rows) {
        const v = verdicts.find((x) => x.row === r);
        out.push(
          `| ${r.name} | ${r.metric} | ${formatNumber(r.value)} | ${r.unit} | ${formatNumber(
            r.ceiling,
          )} | ${fmtRatio(r.ratio)} | ${v ? targetCell(v) : ''} |`,
        );
      }
      out.push('');
    }
    for (const note of notes) out.push(`- ${note}`);
    if (notes.length) out.push('');
    for (const c of charts.filter((x) => x.scenario === id))
      out.push(`![${c.title}](${CHART_DIR}/${c.file})`, '');
  }
  out.push(
    '## Running it',
    '',
    '`npm run bench` runs every scenario at full size; `npm run bench -- --quick` runs them ' +
      'smaller (a few minutes at most); `npm run bench -- S2 S3` runs some (the others keep the ' +
      'figures of their last run of the same size, dated in their sections). Each run writes ' +
      '`load/results/<date>.json` and `load/results/latest.json` and regenerates this file ' +
      'and its charts. The k6 scripts for running the scenarios against a deployment are in ' +
      '`load/k6/`.',
    '',
  );
  return out.join('\n');
}

/** Writes BENCHMARKS.md and its PNG charts (stale charts are removed) under `root`. */
export function writeReport(results: Results, root: string): void {
  const dir = join(root, CHART_DIR);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.png')) rmSync(join(dir, f));
  const charts = [...results.charts];
  writeFileSync(join(dir, 'targets.png'), svgToPng(chartSvg(targetChart(results))));
  for (const c of charts) writeFileSync(join(dir, c.file), svgToPng(chartSvg(c)));
  writeFileSync(join(root, 'BENCHMARKS.md'), markdown(results, charts));
}
