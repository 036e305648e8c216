/** An open-loop pacer for steady sends (Q1's 200 msg/s). */

export interface PaceClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PaceClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export interface Paced {
  /** Slots whose instant came within the window. */
  scheduled: number;
  /** Slots not sent because `maxInFlight` sends were still unanswered. */
  skipped: number;
  /** Sends that rejected. */
  failed: number;
}

/**
 * Open loop: slot i is due `i * 1000 / rate` ms after the start and is sent then, without
 * waiting for earlier sends, for `ms`. Unless `maxInFlight` sends are still unanswered: then
 * the slot is skipped and counted (the system did not keep up; piling up requests without
 * bound would measure the pile, and time the sends out). Resolves once every send settled;
 * never rejects (a rejected send is counted in `failed`).
 */
export async function paced(
  opts: { rate: number; ms: number; maxInFlight: number; clock?: PaceClock },
  send: (i: number, due: number) => Promise<unknown>,
): Promise<Paced> {
  const clock = opts.clock ?? realClock;
  const start = clock.now();
  const out: Paced = { scheduled: 0, skipped: 0, failed: 0 };
  const pending = new Set<Promise<void>>();
  for (let i = 0; ; i++) {
    const due = start + (i * 1000) / opts.rate;
    if (due - start >= opts.ms) break;
    const wait = due - clock.now();
    if (wait > 0) await clock.sleep(wait);
    out.scheduled++;
    if (pending.size >= opts.maxInFlight) {
      out.skipped++;
      continue;
    }
    const p: Promise<void> = send(i, due).then(
      () => void pending.delete(p),
      () => {
        out.failed++;
        pending.delete(p);
      },
    );
    pending.add(p);
  }
  await Promise.all(pending);
  return out;
}
