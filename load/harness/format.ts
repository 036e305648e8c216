/**
 * Numbers for people: three significant digits below 10 (0.697× must not read as the 0.7× it
 * misses), thousands grouped, small ratios kept readable (0.0025, not 0.00). The JSON keeps
 * every digit.
 */
export function formatNumber(n: number | undefined | null): string {
  if (n === undefined || n === null) return '';
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1).replace(/\.0$/, '');
  if (abs >= 0.1) return String(Number(n.toPrecision(3)));
  return String(Number(n.toPrecision(2)));
}
