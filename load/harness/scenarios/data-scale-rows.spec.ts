import { markdown, targetChart } from '../report';
import { Results } from '../results';
import { evaluate } from '../targets';
import type { Series } from './data-scale-ops';
import { cpuNote, d1Chart, d1Rows, Measured, pct } from './data-scale-rows';

/** 100 samples 1..100 ms, times `k`. */
const series = (k: number, failed = 0, dbCpuMs?: number): Series => ({
  times: Array.from({ length: 100 }, (_, i) => (i + 1) * k),
  failed,
  dbCpuMs,
});

const empty: Measured = {
  connect: series(1),
  sync: series(1),
  newest: series(1),
  old: series(1, 0, 0.5),
  send: series(1),
  edit: series(1),
  read: series(1),
  list: series(1),
};
const full: Measured = {
  ...empty,
  sync: series(3), // 3× slower: misses 2×
  old: series(40, 0, 20),
  read: series(1, 2), // two receipts refused: 2 % of the samples
};

describe('D1 rows', () => {
  const rows = d1Rows(full, empty, {
    messages: 1_000_000,
    conversations: 10_000,
    users: 50_000,
    members: 78_000,
    ms: 54_000,
    batch: 2000,
    inflight: 3,
  });
  const by = (key: string) => rows.find((r) => r.key === key)!;

  it('gives p50 and p99 of the full database with the empty one as ceiling', () => {
    expect(pct(series(1), 50)).toBe(50);
    expect(pct(series(1), 99)).toBe(99);
    expect(by('d1.sync.p99')).toMatchObject({ value: 297, ceiling: 99, ratio: 3 });
    expect(by('d1.sync.p50')).toMatchObject({ value: 150, ceiling: 50, ratio: 3 });
    expect(by('d1.old.p99')).toMatchObject({ ratio: 40 });
    expect(by('d1.newest.p99').metric).toBe('p99 (samples: 100 full, 100 empty)');
    expect(by('d1.read.p99').metric).toBe('p99 (samples: 100 + 2 failed full, 100 empty)');
  });

  it('counts a failed operation as infinitely late', () => {
    expect(by('d1.read.p50')).toMatchObject({ value: 51, ratio: 51 / 50 });
    expect(by('d1.read.p99')).toMatchObject({ value: Infinity, ratio: Infinity });
    // One failure in 101 samples is not past the 99th percentile.
    expect(pct({ times: series(1).times, failed: 1 }, 99)).toBe(100);
    expect(pct({ times: [], failed: 0 }, 99)).toBeNaN();
    // Failing past p99 on both databases is still a miss, not "not measured".
    const both = d1Rows({ connect: series(1, 5) }, { connect: series(1, 5) });
    expect(both.find((r) => r.key === 'd1.connect.p99')).toMatchObject({ ratio: Infinity });
    expect(evaluate(both).find((x) => x.target.key === 'd1.connect.p99')!.met).toBe(false);
  });

  it('reads the targets: within 2× met, 3× missed, a failure missed, the old page none', () => {
    const v = (key: string) => evaluate(rows).find((x) => x.target.key === key)!;
    expect(v('d1.newest.p99')).toMatchObject({ measured: 1, met: true });
    expect(v('d1.sync.p99')).toMatchObject({ measured: 3, met: false });
    expect(v('d1.read.p99')).toMatchObject({ measured: Infinity, met: false });
    expect(v('d1.failed')).toMatchObject({ measured: 2, met: false });
    expect(evaluate(rows).some((x) => x.target.key.startsWith('d1.old'))).toBe(false);
    // An operation not measured on both has no ratio, and its target is not measured.
    expect(v('d1.connect.p99').met).toBe(true);
    const partial = d1Rows({ ...full, edit: undefined }, empty);
    expect(evaluate(partial).find((x) => x.target.key === 'd1.edit.p99')!.met).toBeUndefined();
  });

  it('reports the old page’s database CPU and the preload rate', () => {
    expect(by('d1.old.db-cpu')).toMatchObject({ value: 20, ceiling: 0.5, ratio: 40 });
    expect(by('d1.preload').value).toBeCloseTo((1_088_000 * 1000) / 54_000, 6);
    expect(by('d1.preload').name).toContain('1,000,000 messages');
    expect(cpuNote(full, empty)).toContain('old page 20.0 / 0.5');
  });

  it('charts p99 per operation and keeps D1 out of the overview chart', () => {
    const chart = d1Chart(full, empty);
    expect(chart.categories).toContain('old page');
    expect(chart.series.map((s) => s.label)).toEqual(['empty database', 'full database']);
    const results: Results = {
      date: '2026-11-25T01:02:03.000Z',
      quick: true,
      command: 'npm run bench -- --quick D1',
      machine: {
        cpus: 2,
        cpu: 'Test CPU',
        memoryGiB: 8,
        node: 'v20',
        os: 'linux',
        database: 'FerretDB on PostgreSQL',
      },
      scenarios: rows,
      charts: [chart],
      notes: {},
    };
    expect(targetChart(results).categories.some((c) => c.startsWith('D1'))).toBe(false);
    const md = markdown(results);
    expect(md).toContain('## D1 data scale');
    expect(md).toContain('(Redis, FerretDB on PostgreSQL, Kafka, S3Proxy)');
    expect(md).toMatch(/\| D1 \| `sync` with nothing missed: .* \| 3× \| missed \|/);
  });
});
