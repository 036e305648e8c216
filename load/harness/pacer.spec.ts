import { PaceClock, paced } from './pacer';

/** A clock that only moves when the pacer sleeps. */
function fakeClock(): PaceClock & { t: number } {
  const clock = {
    t: 1000,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

describe('paced', () => {
  it('sends every slot of the window at its instant, without waiting for earlier sends', async () => {
    const clock = fakeClock();
    const dues: number[] = [];
    const never: (() => void)[] = [];
    const run = paced({ rate: 200, ms: 1000, maxInFlight: 1000, clock }, (_, due) => {
      dues.push(due);
      return new Promise<void>((r) => never.push(r));
    });
    // All 200 went out while none had answered.
    await new Promise((r) => setImmediate(r));
    expect(dues).toHaveLength(200);
    expect(dues.slice(0, 3)).toEqual([1000, 1005, 1010]);
    expect(dues[199]).toBe(1000 + 199 * 5);
    never.forEach((r) => r());
    expect(await run).toEqual({ scheduled: 200, skipped: 0, failed: 0 });
  });

  it('skips and counts the slots that come while maxInFlight sends are unanswered', async () => {
    const clock = fakeClock();
    const release: (() => void)[] = [];
    const sent: number[] = [];
    const run = paced({ rate: 100, ms: 1000, maxInFlight: 5, clock }, (i) => {
      sent.push(i);
      // The first five hang until released; later ones answer at once.
      return i < 5 ? new Promise<void>((r) => release.push(r)) : Promise.resolve();
    });
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([0, 1, 2, 3, 4]);
    release.forEach((r) => r());
    expect(await run).toEqual({ scheduled: 100, skipped: 95, failed: 0 });
  });

  it('counts rejected sends and still resolves', async () => {
    const clock = fakeClock();
    const out = await paced({ rate: 10, ms: 1000, maxInFlight: 100, clock }, (i) =>
      i % 2 ? Promise.reject(new Error('503')) : Promise.resolve(),
    );
    expect(out).toEqual({ scheduled: 10, skipped: 0, failed: 5 });
  });
});
