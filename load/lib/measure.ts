/** Runs `op` `count` times with at most `concurrency` in flight; returns operations per second. */
export async function throughput(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ perSecond: number; ms: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await op(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { perSecond: (count / ms) * 1000, ms, latencies };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export interface Row {
  name: string;
  metric: string;
  value: number;
  unit: string;
  ceiling?: number;
  ratio?: number;
}

export function printRows(rows: Row[]): void {
  // Small ratios keep two significant digits (0.0025, not 0.00); the JSON has every digit.
  const fmt = (n: number | undefined) =>
    n === undefined
      ? ''
      : n !== 0 && Math.abs(n) < 0.1
        ? n.toPrecision(2)
        : n.toFixed(Math.abs(n) < 10 ? 2 : 0);
  console.log('| scenario | metric | value | unit | ceiling | ratio |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.metric} | ${fmt(r.value)} | ${r.unit} | ${fmt(r.ceiling)} | ${fmt(r.ratio)} |`,
    );
  }
}
