import { runScript } from '../../support/k6-runner';
import { FAKE_SECRET, fakeParley } from './fake';

/*
 * The k6 scripts themselves (options, setup, VU code, thresholds) run by the k6 stand-in
 * against fake-parley.mjs, small and short. Latency bounds are relaxed (a shared test machine
 * is no place to hold 100 ms); the correctness thresholds are the scripts' own. A threshold
 * listed in `failures` is one that would make `k6 run` exit non-zero.
 */

jest.setTimeout(60_000);

const fakes = fakeParley();
afterAll(() => fakes.stop());

const relaxed = {
  PARLEY_TOKEN_SECRET: FAKE_SECRET,
  PARLEY_ROOMS: '2',
  PARLEY_ROOM_SIZE: '3',
  PARLEY_RATE: '5',
  PARLEY_WARMUP: '700ms',
  PARLEY_DURATION: '1s',
  PARLEY_DRAIN: '400ms',
  PARLEY_ACK_TIMEOUT: '2s',
  PARLEY_P50_MS: '1000',
  PARLEY_P99_MS: '1000',
  PARLEY_P999_MS: '1000',
  PARLEY_LAG_P99_MS: '1000',
  PARLEY_ACK_P99_MS: '5000',
  PARLEY_CONNECT_P95_MS: '5000',
};

it('S1 opens, holds and closes every socket', async () => {
  const url = await fakes.start();
  const run = await runScript('s1-idle.ts', {
    ...relaxed,
    PARLEY_URL: url,
    PARLEY_VUS: '3',
    PARLEY_SOCKETS_PER_VU: '4',
    PARLEY_RAMP: '600ms',
    // The script closes every socket at ramp + hold: a socket still connecting then counts as
    // failed, so the hold must outlast a connect on a loaded machine (600 ms did not, in CI).
    PARLEY_HOLD: '4s',
  });
  expect(run.failures).toEqual([]);
  expect(run.samples('parley_connect_ok')).toHaveLength(12);
});

it.each(['s2-fanout.ts', 's3-latency.ts', 's5-reconnect.ts'])(
  '%s passes its thresholds against a faithful server',
  async (name) => {
    const url = await fakes.start();
    const run = await runScript(name, {
      ...relaxed,
      PARLEY_URL: url,
      PARLEY_STORM_AT: '400ms',
      PARLEY_RECONNECT_SPREAD: '200ms',
    });
    expect(run.failures).toEqual([]);
    const stored = run.total('parley_messages_stored');
    expect(stored).toBeGreaterThan(0);
    // Six members in two rooms of three: each stored message reached the three of its room
    // (S5: live or by sync; a send whose ack was lost in the storm may add one more).
    expect(run.samples('parley_audit_ok')).toHaveLength(6);
    expect(
      run.total('parley_deliveries') + run.total('parley_messages_recovered'),
    ).toBeGreaterThanOrEqual(3 * stored);
  },
);

it('S2 fails its missing-message threshold when a broadcast is lost', async () => {
  const url = await fakes.start({ SKIP_SEQ: '2' });
  const run = await runScript('s2-fanout.ts', { ...relaxed, PARLEY_URL: url });
  expect(run.failures).toEqual([
    expect.stringMatching(/^parley_messages_missing: count==0 \(got 1 /),
  ]);
});

it('S4 spreads every room over both URLs', async () => {
  const url = await fakes.start();
  // One fake behind both URLs: the sockets still alternate, so deliveries cross "nodes".
  const run = await runScript('s4-cross-node.ts', {
    ...relaxed,
    PARLEY_URL: url,
    PARLEY_URL_2: url,
  });
  expect(run.failures).toEqual([]);
  const cross = run.samples('parley_delivery_ms').map((s) => s.tags.cross);
  expect(cross).toContain('yes');
  expect(cross).toContain('no');
});

it.each(['socket', 'rest'])('S6 stores messages over %s', async (mode) => {
  const url = await fakes.start();
  const run = await runScript('s6-persistence.ts', {
    ...relaxed,
    PARLEY_URL: url,
    PARLEY_MODE: mode,
    PARLEY_RATE: '1',
    PARLEY_DURATION: '2s',
  });
  expect(run.failures).toEqual([]);
  // 2 conversations × 1 message per second × 2 s, counted by k6 and by the server.
  expect(run.total('parley_messages_stored')).toBe(4);
  const onServer = (await (await fetch(`${url}/stats`)).json()) as Record<string, number>;
  expect(Object.values(onServer)).toEqual([2, 2]);
});

it('stops in setup when the token secret is not the server’s', async () => {
  const url = await fakes.start();
  await expect(
    runScript('s2-fanout.ts', {
      ...relaxed,
      PARLEY_URL: url,
      PARLEY_TOKEN_SECRET: 'not-the-secret-0123456789abcdefghijkl',
    }),
  ).rejects.toThrow(/POST \/conversations answered 401/);
});
