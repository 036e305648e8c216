import { backoffMs, findMax, percentile, slope, timeToShare } from './search';

/** A system that keeps up below `limit` and delivers `rate * 10` while it does. */
const upTo = (limit: number) => async (rate: number) => ({
  rate,
  ok: rate < limit,
  value: rate * 10,
});

describe('findMax', () => {
  it('doubles while probes pass, then bisects to within 20 % of the limit', async () => {
    const { best, probes } = await findMax(10, 2, 20, upTo(100));
    expect(probes.slice(0, 5).map((p) => p.rate)).toEqual([10, 20, 40, 80, 160]);
    // 160 fails; sqrt(80 * 160) = 113 fails; sqrt(80 * 113) = 95 passes and is within 20 %.
    expect(probes.slice(5).map((p) => Math.round(p.rate))).toEqual([113, 95]);
    expect(best?.rate).toBeCloseTo(95.1, 1);
  });

  it('answers the passing probe with the highest rate', async () => {
    const { best, probes } = await findMax(10, 2, 20, upTo(120));
    expect(best!.rate).toBeLessThan(120);
    expect(best!.rate).toBeGreaterThanOrEqual(120 / 1.2);
    expect(best!.rate).toBe(Math.max(...probes.filter((p) => p.ok).map((p) => p.rate)));
  });

  it('halves from a failing start until a probe passes, then bisects upwards', async () => {
    const { best, probes } = await findMax(100, 2, 20, upTo(30));
    expect(probes.slice(0, 3).map((p) => p.rate)).toEqual([100, 50, 25]);
    // sqrt(25 * 50) = 35 fails; 25 and 35 are 41 % apart: sqrt(25 * 35.4) = 29.7 passes.
    expect(probes.slice(3).map((p) => Math.round(p.rate))).toEqual([35, 30]);
    expect(best!.rate).toBeCloseTo(29.73, 2);
  });

  it('never probes below the floor', async () => {
    const { best, probes } = await findMax(100, 2, 10, upTo(1), 20);
    expect(probes.map((p) => p.rate)).toEqual([100, 50, 25]);
    expect(best).toBeUndefined();
  });

  it('stops at maxProbes and answers no best when nothing passed', async () => {
    const { best, probes } = await findMax(100, 2, 3, upTo(1));
    expect(probes).toHaveLength(3);
    expect(best).toBeUndefined();
  });

  it('reports a ceiling that never failed as its last passing probe', async () => {
    const { best, probes } = await findMax(1, 2, 4, upTo(Infinity));
    expect(probes).toHaveLength(4);
    expect(best?.rate).toBe(8);
  });
});

describe('slope', () => {
  it('fits bytes per socket through noisy points', () => {
    const points: [number, number][] = [
      [1000, 50e6 + 30e6 + 1e5],
      [2000, 50e6 + 60e6 - 1e5],
      [3000, 50e6 + 90e6 + 1e5],
      [4000, 50e6 + 120e6 - 1e5],
    ];
    // The residuals (+, -, +, -) tilt the fit by exactly -40 bytes.
    expect(slope(points)).toBeCloseTo(29_960, 3);
  });

  it('is NaN without two distinct x', () => {
    expect(slope([[5, 1]])).toBeNaN();
    expect(
      slope([
        [5, 1],
        [5, 2],
      ]),
    ).toBeNaN();
  });
});

describe('percentile and timeToShare', () => {
  it('takes the nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile([], 50)).toBeNaN();
  });

  it('answers when 99 % of all clients were back, counting the ones that never came back', () => {
    const times = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(timeToShare(times, 100, 0.99)).toBe(99);
    expect(timeToShare(times, 101, 0.99)).toBe(100);
    expect(timeToShare(times, 200, 0.99)).toBeNaN();
  });
});

describe('backoffMs', () => {
  it('waits like socket.io-client: 1 s doubling to at most 5 s, spread ±50 %', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a, middle))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
    expect(backoffMs(1, () => 0)).toBe(500);
    expect(backoffMs(4, () => 0.999999)).toBeCloseTo(7500, 0);
  });
});
