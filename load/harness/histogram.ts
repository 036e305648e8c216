/**
 * Latency histograms (HDR, 3 significant digits, microseconds inside, milliseconds outside).
 * Worker processes record into their own and ship them to the coordinator encoded, where
 * they are merged; percentiles come from the merged histogram, never from averages of
 * per-worker percentiles.
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  Histogram,
} from 'hdr-histogram-js';

/** Anything slower is recorded as this (10 minutes): a value must never be dropped. */
const HIGHEST_US = 600_000_000;

export function newHistogram(): Histogram {
  return build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Records one latency in milliseconds (negative clock skew between processes counts as 0). */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
}

export const encode = (h: Histogram): string => encodeIntoCompressedBase64(h);

/** Merges encoded histograms (as workers send them) into one. */
export function merge(encoded: string[]): Histogram {
  const total = newHistogram();
  for (const e of encoded) {
    const h = decodeFromCompressedBase64(e, 32, false);
    total.add(h);
    h.destroy();
  }
  return total;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Percentiles in milliseconds; NaN when nothing was recorded. */
export function summarise(h: Histogram): LatencySummary {
  const at = (p: number) => (h.totalCount ? h.getValueAtPercentile(p) / 1000 : NaN);
  return {
    count: h.totalCount,
    p50: at(50),
    p99: at(99),
    p999: at(99.9),
    max: h.totalCount ? h.maxValue / 1000 : NaN,
  };
}

/**
 * The percentile p (0..100) in milliseconds when `lost` more values were never recorded and
 * count as infinitely slow: Infinity once they reach past p, NaN with nothing at all.
 */
export function percentileWithLost(h: Histogram, p: number, lost: number): number {
  const total = h.totalCount + Math.max(0, lost);
  if (!total) return NaN;
  const rank = (p / 100) * total;
  if (rank > h.totalCount) return Infinity;
  return h.getValueAtPercentile(Math.min(100, (rank / h.totalCount) * 100)) / 1000;
}
