import { withTimeout } from '../infra/with-timeout';
import type { ChangeVerifier } from './change-verifier';
import type { ChangeVouches } from './change-vouches';
import type { OutboxRow, Verdict } from './relay-plan';

/** Longest the relay waits for the vouches before it reads MongoDB for every event. */
const TAKE_TIMEOUT_MS = 1000;

/**
 * Asks the vouches first (one round trip) and the store's verifier only for the events
 * nobody vouched for. Vouches that cannot be read (Redis away, slow, flushed) leave their
 * events to the store's verifier: never a reason to publish, never one to drop.
 */
export class VouchedChangeVerifier implements ChangeVerifier {
  constructor(
    private readonly vouches: Pick<ChangeVouches, 'take'>,
    private readonly store: ChangeVerifier,
    private readonly counted: (by: 'vouch' | 'read', n: number) => void = () => undefined,
  ) {}

  async verify(rows: readonly OutboxRow[]): Promise<Map<string, Verdict>> {
    if (rows.length === 0) return new Map();
    const vouched = await withTimeout(
      this.vouches.take(rows.map((r) => r.id)),
      TAKE_TIMEOUT_MS,
      'vouches',
    ).catch(() => new Set<string>());
    const unvouched = rows.filter((r) => !vouched.has(r.id));
    const verdicts = unvouched.length ? await this.store.verify(unvouched) : new Map();
    for (const r of rows) if (vouched.has(r.id)) verdicts.set(r.id, 'stored');
    this.counted('vouch', rows.length - unvouched.length);
    this.counted('read', unvouched.length);
    return verdicts;
  }
}
