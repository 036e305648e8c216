/** Pure helpers of the scenarios: the max-rate search and the per-socket slope. */

export interface Probe {
  rate: number;
  ok: boolean;
  /** What the probe achieved (deliveries per second). */
  value: number;
}

/**
 * Finds the highest rate that passes: from `start`, multiplies by `factor` while probes
 * pass (divides while they fail, never below `min`), then bisects between the highest
 * passing and the lowest failing rate until they are within 20 %. At most `maxProbes`; the
 * answer is the passing probe with the highest rate (undefined when none passed) and every
 * probe made, in order.
 */
export async function findMax(
  start: number,
  factor: number,
  maxProbes: number,
  probe: (rate: number) => Promise<Probe>,
  min = 0,
): Promise<{ best?: Probe; probes: Probe[] }> {
  const probes: Probe[] = [];
  let best: Probe | undefined;
  let failing: number | undefined;
  const run = async (rate: number) => {
    const p = await probe(rate);
    probes.push(p);
    if (p.ok && (!best || p.rate > best.rate)) best = p;
    if (!p.ok && (failing === undefined || rate < failing)) failing = rate;
    return p;
  };
  let rate = Math.max(start, min);
  if ((await run(rate)).ok) {
    while (probes.length < maxProbes) {
      rate *= factor;
      if (!(await run(rate)).ok) break;
    }
  } else {
    while (probes.length < maxProbes && !best && rate / factor >= min) {
      rate /= factor;
      await run(rate);
    }
  }
  // Bisect (geometrically) until the highest pass and the lowest failure are within 20 %.
  while (best && failing !== undefined && probes.length < maxProbes && failing / best.rate > 1.2)
    await run(Math.sqrt(best.rate * failing));
  return { best, probes };
}

/** Least-squares slope of y over x (NaN with fewer than two distinct x). */
export function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** The value at percentile p (0..100) of unsorted samples (nearest rank); NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * When `share` of `total` clients had recovered, given each recovered client's time; NaN
 * when fewer than that ever did.
 */
export function timeToShare(times: number[], total: number, share: number): number {
  const k = Math.ceil(share * total);
  if (k === 0) return 0;
  if (times.length < k) return NaN;
  return [...times].sort((a, b) => a - b)[k - 1];
}

/**
 * socket.io-client's default reconnection delay before attempt `attempt` (1-based) after a
 * failed one: 1 s doubling up to 5 s, each ±50 % at random (so a crowd spreads out).
 */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(5000, 1000 * 2 ** Math.max(0, attempt - 1));
  return base * (1 + 0.5 * (2 * random() - 1));
}
