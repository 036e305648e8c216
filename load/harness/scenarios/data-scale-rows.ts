/**
 * D1's figures from the two databases' samples (pure): p50 and p99 of each operation on the
 * full database with the same operation on the empty one as its ceiling (the ratio is the
 * result), the failures of both, the old page's database cost, and the chart.
 */
import type { BarChart } from '../chart';
import type { ScenarioChart } from '../results';
import { Row, row } from '../results';
import { percentile } from '../search';
import type { OpId, Series } from './data-scale-ops';

export const OPS: { id: OpId; label: string; short: string }[] = [
  {
    id: 'connect',
    label: 'connect → a message sent right after `connect` arrives live',
    short: 'connect',
  },
  { id: 'joined', label: 'connect → rooms joined (an answered `sync`)', short: 'joined' },
  { id: 'sync', label: '`sync` of 5 conversations, nothing missed', short: 'sync' },
  {
    id: 'newest',
    label: 'newest page of the 1,000-message conversation (GET …/messages)',
    short: 'newest',
  },
  { id: 'old', label: 'old page: seq 1–50 of the 1,000 (before=51)', short: 'old page' },
  { id: 'send', label: 'send→ack, steady open-loop sends over 50 conversations', short: 'send' },
  { id: 'edit', label: '`message:edit` of a recent message', short: 'edit' },
  { id: 'read', label: '`read` receipt in the 1,000-message conversation', short: 'read' },
  { id: 'list', label: 'GET /conversations?limit=50, a user in 50 conversations', short: 'list' },
];

export type Measured = Partial<Record<OpId, Series>>;

/**
 * The p-th percentile (nearest rank) of the samples, a failed one counting as infinitely
 * late (so Infinity once failures reach past p); NaN with none.
 */
export const pct = (s: Series | undefined, p: number): number =>
  s ? percentile([...s.times, ...new Array<number>(s.failed).fill(Infinity)], p) : NaN;

const count = (s: Series | undefined) =>
  s ? `${s.times.length}${s.failed ? ` + ${s.failed} failed` : ''}` : '0';

export interface PreloadFigures {
  messages: number;
  conversations: number;
  members: number;
  users: number;
  ms: number;
  batch: number;
  inflight: number;
}

export function d1Rows(full: Measured, empty: Measured, preload?: PreloadFigures): Row[] {
  const rows: Row[] = [];
  for (const op of OPS)
    for (const p of [50, 99]) {
      const r = row({
        key: `d1.${op.id}.p${p}`,
        scenario: 'D1',
        name: op.label,
        metric: `p${p} (samples: ${count(full[op.id])} full, ${count(empty[op.id])} empty)`,
        value: pct(full[op.id], p),
        unit: 'ms',
        ceiling: pct(empty[op.id], p),
      });
      // Failures past p on the full database fail the comparison whatever the empty one did.
      rows.push(r.value === Infinity ? { ...r, ratio: Infinity } : r);
    }
  rows.push(
    row({
      key: 'd1.old.db-cpu',
      scenario: 'D1',
      name: OPS.find((o) => o.id === 'old')!.label,
      metric: 'database CPU per request',
      value: full.old?.dbCpuMs ?? NaN,
      unit: 'CPU-ms',
      ceiling: empty.old?.dbCpuMs,
    }),
  );
  const failed = [full, empty].reduce(
    (n, m) => n + Object.values(m).reduce((k, s) => k + (s?.failed ?? 0), 0),
    0,
  );
  rows.push(
    row({
      key: 'd1.failed',
      scenario: 'D1',
      name: 'every operation, both databases',
      metric: 'refused, timed out, answered wrongly, or (connect) never delivered live',
      value: failed,
      unit: 'operations',
    }),
  );
  if (preload)
    rows.push(
      row({
        key: 'd1.preload',
        scenario: 'D1',
        name:
          `preload: ${preload.messages.toLocaleString('en-US')} messages, ` +
          `${preload.conversations.toLocaleString('en-US')} conversations, ` +
          `${preload.users.toLocaleString('en-US')} users, ${preload.members.toLocaleString('en-US')} memberships`,
        metric: `documents inserted per second (unordered insertMany, ${preload.batch} per batch, ${preload.inflight} in flight)`,
        value: ((preload.messages + preload.conversations + preload.members) * 1000) / preload.ms,
        unit: 'docs/s',
      }),
    );
  return rows;
}

/** The database's CPU per operation on both databases, for the notes. */
export function cpuNote(full: Measured, empty: Measured): string {
  const ms = (s?: Series) =>
    s?.dbCpuMs === undefined || !Number.isFinite(s.dbCpuMs) ? '–' : s.dbCpuMs.toFixed(1);
  return (
    'Database CPU-ms per operation, full / empty: ' +
    OPS.filter((o) => o.id !== 'joined')
      .map((o) => `${o.short} ${ms(full[o.id])} / ${ms(empty[o.id])}`)
      .join(', ') +
    '.'
  );
}

export function d1Chart(full: Measured, empty: Measured): ScenarioChart & BarChart {
  return {
    scenario: 'D1',
    kind: 'bar',
    file: 'd1-data-scale.png',
    title: 'D1: p99 per operation, empty and full database (log scale)',
    y: { label: 'p99, ms', log: true },
    categories: OPS.map((o) => o.short),
    series: [
      { label: 'empty database', values: OPS.map((o) => pct(empty[o.id], 99)) },
      { label: 'full database', values: OPS.map((o) => pct(full[o.id], 99)) },
    ],
  };
}
