/**
 * The targets of issues 7 and 11, each read from one row of a run. A ceiling is never adjusted to
 * meet one: a target that is missed is reported as missed, one whose row is absent or not a
 * number as not measured.
 */
import type { Row, ScenarioId } from './results';

export interface Target {
  scenario: ScenarioId;
  key: string;
  text: string;
  field: 'ratio' | 'value';
  op: '>=' | '<=';
  bound: number;
}

export const TARGETS: Target[] = [
  {
    scenario: 'S1',
    key: 's1.rss-per-socket',
    text: 'RSS bytes per socket ≤ 1.25× the bare Socket.IO server',
    field: 'ratio',
    op: '<=',
    bound: 1.25,
  },
  {
    scenario: 'S2',
    key: 's2.deliveries.10',
    text: 'rooms of 10: max deliveries/s (p99 < 100 ms) ≥ 0.8× bare Socket.IO',
    field: 'ratio',
    op: '>=',
    bound: 0.8,
  },
  {
    scenario: 'S2',
    key: 's2.stored',
    text: 'every acknowledged message stored (stored / acknowledged = 1)',
    field: 'value',
    op: '>=',
    bound: 1,
  },
  {
    scenario: 'S3',
    key: 's3.p99.50',
    text: 'p99 at 50 % of the S2 maximum ≤ 2× the bare server’s p99 at the same load',
    field: 'ratio',
    op: '<=',
    bound: 2,
  },
  {
    scenario: 'S4',
    key: 's4.per-cpu',
    text: 'two nodes ≥ 0.7× one node’s deliveries per CPU-second',
    field: 'ratio',
    op: '>=',
    bound: 0.7,
  },
  {
    scenario: 'S5',
    key: 's5.recovered',
    text: '99 % of clients recovered within 15 s of the reconnect',
    field: 'value',
    op: '>=',
    bound: 0.99,
  },
  {
    scenario: 'S5',
    key: 's5.missing',
    text: 'no message missing after sync',
    field: 'value',
    op: '<=',
    bound: 0,
  },
  {
    scenario: 'S6',
    key: 's6.stored',
    text: 'stored messages/s ≥ 0.5× raw driver insertMany',
    field: 'ratio',
    op: '>=',
    bound: 0.5,
  },
  ...(
    [
      ['connect', 'connect until a message sent right after `connect` arrives'],
      ['sync', '`sync` with nothing missed'],
      ['newest', 'newest page'],
      ['send', 'send→ack at a steady 50 msg/s'],
      ['edit', 'edit'],
      ['read', '`read` receipt'],
      ['list', 'GET /conversations for a user in 50 conversations'],
    ] as const
  ).map(([op, what]): Target => ({
    scenario: 'D1',
    key: `d1.${op}.p99`,
    text: `${what}: p99 on the full database ≤ 2× the empty one`,
    field: 'ratio',
    op: '<=',
    bound: 2,
  })),
  {
    scenario: 'D1',
    key: 'd1.failed',
    text: 'every operation answered, on both databases',
    field: 'value',
    op: '<=',
    bound: 0,
  },
];

export interface Verdict {
  target: Target;
  row?: Row;
  /** The figure the target reads; undefined when not measured. */
  measured?: number;
  /** undefined: not measured in this run. */
  met?: boolean;
}

export function evaluate(rows: Row[], targets: Target[] = TARGETS): Verdict[] {
  return targets.map((target) => {
    const row = rows.find((r) => r.key === target.key);
    const measured = row?.[target.field];
    // Infinity is a measurement (a percentile among failures); NaN and absence are not.
    if (typeof measured !== 'number' || Number.isNaN(measured)) return { target, row };
    const met = target.op === '>=' ? measured >= target.bound : measured <= target.bound;
    return { target, row, measured, met };
  });
}
