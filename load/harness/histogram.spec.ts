import { encode, merge, newHistogram, percentileWithLost, recordMs, summarise } from './histogram';

describe('latency histograms', () => {
  it('summarises percentiles in milliseconds within 0.1 %', () => {
    const h = newHistogram();
    for (let ms = 1; ms <= 1000; ms++) recordMs(h, ms);
    const s = summarise(h);
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(500, -0.3);
    expect(Math.abs(s.p99 - 990) / 990).toBeLessThan(0.001);
    expect(Math.abs(s.p999 - 999) / 999).toBeLessThan(0.001);
    expect(Math.abs(s.max - 1000) / 1000).toBeLessThan(0.001);
  });

  it('merges what workers encoded as if one had recorded everything', () => {
    const a = newHistogram();
    const b = newHistogram();
    for (let i = 0; i < 990; i++) recordMs(a, 2);
    for (let i = 0; i < 10; i++) recordMs(b, 250);
    const s = summarise(merge([encode(a), encode(b)]));
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(2, 2);
    expect(s.p99).toBeCloseTo(2, 2);
    expect(s.p999).toBeCloseTo(250, 0);
  });

  it('keeps a value below the resolution and one past the range rather than dropping them', () => {
    const h = newHistogram();
    recordMs(h, -3);
    recordMs(h, 10 ** 9);
    expect(h.totalCount).toBe(2);
    expect(summarise(h).max).toBeGreaterThanOrEqual(599_000);
  });

  it('answers NaN percentiles for an empty histogram', () => {
    expect(summarise(newHistogram())).toEqual({
      count: 0,
      p50: NaN,
      p99: NaN,
      p999: NaN,
      max: NaN,
    });
  });

  it('counts lost deliveries as infinitely late in a percentile', () => {
    const h = newHistogram();
    for (let ms = 1; ms <= 1000; ms++) recordMs(h, ms);
    // 5 lost of 1005: p99 is rank 995 of 1005, still a recorded value, a little higher.
    expect(percentileWithLost(h, 99, 5)).toBeCloseTo(995, -1);
    expect(percentileWithLost(h, 99, 0)).toBeCloseTo(990, -1);
    // 20 lost of 1020: more than 1 % never arrived, so p99 is unbounded.
    expect(percentileWithLost(h, 99, 20)).toBe(Infinity);
    expect(percentileWithLost(newHistogram(), 99, 0)).toBeNaN();
    expect(percentileWithLost(newHistogram(), 99, 3)).toBe(Infinity);
  });
});
