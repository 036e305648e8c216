import { findMax, percentile, slope, timeToShare } from './search';

/** A system that keeps up below `limit` and delivers `rate * 10` while it does. */
const upTo = (limit: number) => async (rate: number) => ({
  rate,
  ok: rate < limit,
  value: rate * 10,
});

describe('findMax', () => {
  it('doubles while probes pass, then probes between the last pass and the first failure', async () => {
    const { best, probes } = await findMax(10, 2, 10, upTo(100));
    expect(probes.map((p) => p.rate)).toEqual([10, 20, 40, 80, 160, Math.sqrt(80 * 160)]);
    expect(best?.rate).toBe(80);
  });

  it('keeps the middle probe when it passes', async () => {
    const { best } = await findMax(10, 2, 10, upTo(120));
    expect(best?.rate).toBeCloseTo(Math.sqrt(80 * 160));
  });

  it('halves from a failing start until a probe passes', async () => {
    const { best, probes } = await findMax(100, 2, 10, upTo(30));
    expect(probes.map((p) => p.rate)).toEqual([100, 50, 25, Math.sqrt(25 * 50)]);
    expect(best?.rate).toBe(25);
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
