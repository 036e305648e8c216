import { chartSvg } from './chart';
import { markdown, targetChart } from './report';
import { carryOver, parseResults, Results, resultsJson, row } from './results';
import { evaluate, TARGETS } from './targets';

const results = (): Results => ({
  date: '2026-11-25T01:02:03.000Z',
  quick: true,
  command: 'npm run bench -- --quick',
  machine: { cpus: 2, cpu: 'Test CPU', memoryGiB: 8, node: 'v20.19.0', os: 'linux 6.1' },
  scenarios: [
    row({
      key: 's2.deliveries.10',
      scenario: 'S2',
      name: 'rooms of 10',
      metric: 'max deliveries/s',
      value: 250,
      unit: 'deliveries/s',
      ceiling: 100_000,
    }),
    row({
      key: 's3.p99.50',
      scenario: 'S3',
      name: '50 %',
      metric: 'p99',
      value: 3,
      unit: 'ms',
      ceiling: 2,
    }),
    row({
      key: 's5.missing',
      scenario: 'S5',
      name: '300 sockets',
      metric: 'missing',
      value: 0,
      unit: 'messages',
    }),
    row({
      key: 's6.stored',
      scenario: 'S6',
      name: 'x',
      metric: 'stored',
      value: NaN,
      unit: 'msg/s',
      ceiling: 1000,
    }),
  ],
  charts: [],
  notes: { S2: ['FerretDB was 90 % busy.'] },
});

describe('targets', () => {
  it('reads each target from its row: met, missed, or not measured', () => {
    const verdicts = evaluate(results().scenarios);
    const by = (key: string) => verdicts.find((v) => v.target.key === key)!;
    expect(by('s2.deliveries.10')).toMatchObject({ measured: 0.0025, met: false });
    // Lower is better: 1.5× the ceiling's p99 is within 2×.
    expect(by('s3.p99.50')).toMatchObject({ measured: 1.5, met: true });
    expect(by('s5.missing')).toMatchObject({ measured: 0, met: true });
    // A NaN figure and an absent row are not measured, never met.
    expect(by('s6.stored').met).toBeUndefined();
    expect(by('s1.rss-per-socket').met).toBeUndefined();
    expect(verdicts).toHaveLength(TARGETS.length);
  });

  it('keeps Infinity and NaN through the results JSON', () => {
    const r = results();
    r.scenarios.push(
      row({
        key: 'd1.sync.p99',
        scenario: 'D1',
        name: 'n',
        metric: 'm',
        value: Infinity,
        unit: 'ms',
        ceiling: 5,
      }),
    );
    const back = parseResults(resultsJson(r));
    expect(back.scenarios.at(-1)).toMatchObject({ value: Infinity, ratio: Infinity });
    expect(back.scenarios.find((x) => x.key === 's6.stored')!.value).toBeNaN();
    expect(back.notes).toEqual(r.notes);
    expect(evaluate(back.scenarios).find((v) => v.target.key === 'd1.sync.p99')!.met).toBe(false);
  });

  it('fills in a ratio only when the ceiling is a usable number', () => {
    expect(
      row({ scenario: 'S1', name: 'n', metric: 'm', value: 2, unit: 'u', ceiling: 8 }).ratio,
    ).toBe(0.25);
    expect(
      row({ scenario: 'S1', name: 'n', metric: 'm', value: 2, unit: 'u', ceiling: 0 }),
    ).not.toHaveProperty('ratio');
    expect(row({ scenario: 'S1', name: 'n', metric: 'm', value: 2, unit: 'u' })).not.toHaveProperty(
      'ratio',
    );
  });
});

describe('markdown', () => {
  const md = markdown(results());

  it('says where the figures come from', () => {
    expect(md).toContain('`npm run bench -- --quick`');
    expect(md).toContain('2 × Test CPU, 8 GiB, linux 6.1, Node v20.19.0');
  });

  it('lists every target with its verdict', () => {
    expect(md).toContain(
      '| S2 | rooms of 10: max deliveries/s (p99 < 100 ms) ≥ 0.8× bare Socket.IO | 0.0025× | missed |',
    );
    expect(md).toMatch(/\| S3 \| .* \| 1\.5× \| met \|/);
    expect(md).toMatch(/\| S6 \| .* \| {2}\| not measured \|/);
  });

  it('has a table per measured scenario with value, ceiling, ratio and target', () => {
    expect(md).toContain(
      '| rooms of 10 | max deliveries/s | 250 | deliveries/s | 100,000 | 0.0025× | ≥ 0.8×: missed |',
    );
    expect(md).toContain('| 50 % | p99 | 3 | ms | 2 | 1.5× | ≤ 2×: met |');
    expect(md).toContain('- FerretDB was 90 % busy.');
    expect(md).not.toContain('## S1 idle connections');
  });

  it('renders Q1 under its title: the worker against the raw _bulk, the lag, the size', () => {
    const q1 = results();
    q1.scenarios = [
      row({
        key: 'q1.index',
        scenario: 'Q1',
        name: '100,000 messages, 50 conversations',
        metric: 'indexed through the workers',
        value: 1500,
        unit: 'msg/s',
        ceiling: 6000,
      }),
      row({
        key: 'q1.lag',
        scenario: 'Q1',
        name: 'steady 200 msg/s, 20 s (not kept up)',
        metric: 'indexing lag p99 (bucket bound)',
        value: Infinity,
        unit: 's',
      }),
      row({
        scenario: 'Q1',
        name: '100,000 messages, 50 conversations',
        metric: 'index size',
        value: 21.5,
        unit: 'MiB',
      }),
    ];
    q1.notes = { Q1: ['index 21.5 MiB for 100,000 documents'] };
    const out = markdown(q1, []);
    expect(out).toContain('## Q1 message search');
    expect(out).toContain(
      '| 100,000 messages, 50 conversations | indexed through the workers | 1,500 | msg/s | 6,000 | 0.25× |  |',
    );
    expect(out).toMatch(
      /\| steady 200 msg\/s, 20 s \(not kept up\) \| indexing lag p99 \(bucket bound\) \| (∞|Infinity) \| s \|/,
    );
    expect(out).toContain('| index size | 21.5 | MiB |');
    expect(out).toContain('- index 21.5 MiB for 100,000 documents');
  });

  it('gives a ratio enough digits to tell a miss from its bound', () => {
    const close = results();
    close.scenarios.push(
      row({
        key: 's4.per-cpu',
        scenario: 'S4',
        name: '2 vs 1',
        metric: 'per CPU-second',
        value: 970,
        unit: 'deliveries/CPU-s',
        ceiling: 1391,
      }),
    );
    expect(markdown(close)).toMatch(/\| S4 \| .* \| 0\.697× \| missed \|/);
  });

  it('links the charts after their scenario', () => {
    const withChart = results();
    withChart.charts.push({
      scenario: 'S2',
      kind: 'bar',
      file: 's2.png',
      title: 'S2 chart',
      y: { label: 'y' },
      categories: ['a'],
      series: [{ label: 's', values: [1] }],
    });
    const text = markdown(withChart);
    expect(text.indexOf('![S2 chart](load/charts/s2.png)')).toBeGreaterThan(
      text.indexOf('## S2 fan-out'),
    );
    expect(text.indexOf('![S2 chart](load/charts/s2.png)')).toBeLessThan(
      text.indexOf('## S3 latency'),
    );
  });
});

describe('charts', () => {
  it('draws one bar per category and series, with value labels, on a log axis', () => {
    const chart = targetChart(results());
    expect(chart.categories).toEqual(['S1 (≤)', 'S2 (≥)', 'S3 (≤)', 'S4 (≥)', 'S6 (≥)']);
    const svg = chartSvg(chart);
    // Measured ratios for S2 and S3 (S1, S4, S6 are not measured), five bounds.
    expect(svg.match(/<rect x=/g)).toHaveLength(2 + 5 + 2 /* legend */);
    expect(svg).toContain('>0.0025<');
    expect(svg).toContain('>1.25<');
    // Decades from 0.001 to 10 as ticks.
    for (const t of ['0.001', '0.01', '0.1', '1', '10']) expect(svg).toContain(`>${t}</text>`);
  });

  it('draws a line chart as a polyline through its points, and escapes labels', () => {
    const svg = chartSvg({
      kind: 'line',
      file: 'l.png',
      title: 'RSS <per> socket & more',
      x: { label: 'sockets' },
      y: { label: 'MiB' },
      series: [
        {
          label: 'a',
          points: [
            [0, 0],
            [1000, 50],
            [2000, 100],
          ],
        },
      ],
    });
    expect(svg).toContain('RSS &lt;per&gt; socket &amp; more');
    const points = /<polyline points="([^"]+)"/
      .exec(svg)![1]
      .split(' ')
      .map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(3);
    // Straight line: equal steps in x give equal steps in y, and y grows upwards.
    expect(points[1][0] - points[0][0]).toBeCloseTo(points[2][0] - points[1][0], 1);
    expect(points[0][1] - points[1][1]).toBeCloseTo(points[1][1] - points[2][1], 1);
    expect(points[2][1]).toBeLessThan(points[0][1]);
  });
});

describe('a run of some scenarios', () => {
  const q1 = row({
    key: 'q1.rate',
    scenario: 'Q1',
    name: 'index',
    metric: 'indexed/s',
    value: 600,
    unit: 'msg/s',
    ceiling: 3000,
  });
  const later = (): Results => ({
    ...results(),
    date: '2026-11-26T09:00:00.000Z',
    command: 'npm run bench -- --quick Q1',
    scenarios: [q1],
    notes: {},
  });

  it('keeps the scenarios it did not run from the previous run, dated, and replaces its own', () => {
    const previous = results();
    const s2Rerun = { ...later(), scenarios: [{ ...previous.scenarios[0], value: 999 }, q1] };
    const whole = carryOver(s2Rerun, previous, new Set(['S2', 'Q1']));
    // S2 from this run only (never mixed with the previous run's rows), the rest carried.
    expect(whole.scenarios.filter((r) => r.scenario === 'S2').map((r) => r.value)).toEqual([999]);
    expect(whole.scenarios.map((r) => r.scenario).sort()).toEqual(['Q1', 'S2', 'S3', 'S5', 'S6']);
    expect(whole.notes).toEqual({}); // S2's old note went with its old rows
    expect(Object.keys(whole.carried ?? {}).sort()).toEqual(['S3', 'S5', 'S6']);
    const md = markdown(whole);
    expect(md).toContain('Measured on 2026-11-26 09:00 UTC with `npm run bench -- --quick Q1`');
    expect(md).toMatch(/## S5[^]*Measured on 2026-11-25 01:02 UTC with `npm run bench -- --quick`/);
    expect(md).not.toMatch(/## Q1[^#]*Measured on 2026-11-25/);
  });

  it('names the run that measured a scenario through several partial runs', () => {
    const first = carryOver(later(), results(), new Set(['Q1']));
    const second = carryOver(
      { ...later(), date: '2026-11-27T00:00:00.000Z', scenarios: [] },
      first,
      new Set(['A1']),
    );
    expect(second.carried?.S5).toEqual({
      date: '2026-11-25T01:02:03.000Z',
      command: 'npm run bench -- --quick',
    });
    expect(second.carried?.Q1?.date).toBe('2026-11-26T09:00:00.000Z');
  });

  it('carries nothing across a quick and a full run', () => {
    const full = { ...later(), quick: false };
    expect(carryOver(full, results(), new Set(['Q1'])).scenarios).toEqual([q1]);
  });
});
