/**
 * What a run produces: rows of `{ name, metric, value, unit, ceiling, ratio }` (the shape
 * load/results/*.json and the k6 side share), the charts' data and notes per scenario.
 */
import { cpus, release, totalmem } from 'node:os';
import type { Chart } from './chart';

/** S1–S6 of issue 7; R1 receipt and typing storms (issue 5); R2 a reaction storm (issue 14);
 * O1 the outbox relay (issue 6); D1 data scale (issue 11); A1 attachments (issue 13); Q1 message
 * search (issue 15). */
export type ScenarioId =
  'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'S6' | 'R1' | 'R2' | 'O1' | 'D1' | 'A1' | 'Q1';

export interface Row {
  /** Stable id a target refers to, such as `s2.deliveries.10`. */
  key?: string;
  scenario: ScenarioId;
  name: string;
  metric: string;
  value: number;
  unit: string;
  ceiling?: number;
  ratio?: number;
}

/** A chart's data, placed after its scenario's table. */
export type ScenarioChart = Chart & { scenario: ScenarioId };

export interface ScenarioOutput {
  rows: Row[];
  charts?: ScenarioChart[];
  /** What the run saw that explains a figure: what was busy, what was lost. */
  notes?: string[];
}

export interface Machine {
  cpus: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  os: string;
  /** The local stack's database, such as "FerretDB on SQLite" (absent in older results). */
  database?: string;
}

export interface Results {
  date: string;
  quick: boolean;
  command: string;
  machine: Machine;
  scenarios: Row[];
  charts: ScenarioChart[];
  notes: Partial<Record<ScenarioId, string[]>>;
  /** Scenarios this run did not measure, kept from an earlier run: which one. */
  carried?: Partial<Record<ScenarioId, RunRef>>;
}

/** A run, as a carried-over scenario names it. */
export interface RunRef {
  date: string;
  command: string;
}

export function machine(): Machine {
  return {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
  };
}

/** Value over ceiling, or undefined when there is no usable ceiling. */
export function ratio(value: number, ceiling: number | undefined): number | undefined {
  if (ceiling === undefined || !Number.isFinite(ceiling) || ceiling === 0) return undefined;
  return value / ceiling;
}

/** A row with its ratio filled in from value and ceiling. */
export function row(r: Omit<Row, 'ratio'>): Row {
  const q = ratio(r.value, r.ceiling);
  return q === undefined ? { ...r } : { ...r, ratio: q };
}

/**
 * Results as JSON, keeping the numbers JSON has none for as strings: Infinity (a percentile
 * that falls among failed operations, which count as infinitely late) and NaN.
 */
export function resultsJson(results: Results): string {
  return JSON.stringify(
    results,
    (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
    2,
  );
}

export function parseResults(text: string): Results {
  return JSON.parse(text, (_, v: unknown) =>
    v === 'Infinity' || v === '-Infinity' || v === 'NaN' ? Number(v) : v,
  ) as Results;
}

/**
 * A run of some scenarios keeps the others' figures from the previous run of the same size
 * (full or quick), each marked with the run that measured it, so BENCHMARKS.md stays whole
 * (every ratio still comes from one run: a scenario's rows are never mixed across runs).
 */
export function carryOver(
  current: Results,
  previous: Results | undefined,
  ran: ReadonlySet<ScenarioId>,
): Results {
  if (!previous || previous.quick !== current.quick) return current;
  const kept = (id: ScenarioId) => !ran.has(id);
  const ids = new Set<ScenarioId>([
    ...previous.scenarios.map((r) => r.scenario),
    ...(Object.keys(previous.notes) as ScenarioId[]),
  ]);
  const carried: Partial<Record<ScenarioId, RunRef>> = {};
  for (const id of ids) {
    if (kept(id))
      carried[id] = previous.carried?.[id] ?? { date: previous.date, command: previous.command };
  }
  return {
    ...current,
    scenarios: [...current.scenarios, ...previous.scenarios.filter((r) => kept(r.scenario))],
    charts: [...current.charts, ...previous.charts.filter((c) => kept(c.scenario))],
    notes: {
      ...Object.fromEntries(
        Object.entries(previous.notes).filter(([id]) => kept(id as ScenarioId)),
      ),
      ...current.notes,
    },
    carried,
  };
}
