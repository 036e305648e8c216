import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { withTimeout } from '../infra/with-timeout';

// Takes the key when free, or renews it when this holder has it: one atomic step.
const ACQUIRE_OR_RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A leadership lease in Redis: one holder at a time per key (for the outbox relay:
 * `<prefix>:outbox-relay:leader`, so there is one relay per cluster).
 *
 * Why a lease and not the lowest id of ClusterMembership.liveNodes(): `npm run worker`
 * processes must be able to lead, and they must not join the live set (they would be given
 * conversations to own without running actors).
 *
 * Contracts:
 * - `held()` is true only until `ttlMs - renewMs` after the request that last took or renewed
 *   the key was sent, so a holder that cannot reach Redis stops before the key expires there.
 * - Handover: a released key (clean stop) is taken by the next holder within `renewMs`; an
 *   expired one (crash, partition) within `ttlMs + renewMs`. Work the old holder had done but
 *   not recorded is redone by the new one: the relay is at-least-once by design.
 */
export class RedisLease {
  private validUntil = 0;
  private timer?: NodeJS.Timeout;
  private running = false;
  private failing = false;
  private ticking?: Promise<boolean>;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly holder: string,
    private readonly ttlMs: number,
    private readonly renewMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  held(): boolean {
    return this.now() < this.validUntil;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  /** Stops renewing and frees the key at once if this holder has it. Never throws. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.ticking;
    const had = this.held();
    this.validUntil = 0;
    if (!had) return;
    await withTimeout(this.redis.eval(RELEASE, 1, this.key, this.holder), this.renewMs, 'release')
      .then(() => undefined)
      .catch((err: unknown) => this.logger.warn({ err }, 'lease not released; it will expire'));
  }

  /** Takes or renews the lease once; answers whether it is held. */
  async tick(): Promise<boolean> {
    const sentAt = this.now();
    try {
      const got = await withTimeout(
        this.redis.eval(ACQUIRE_OR_RENEW, 1, this.key, this.holder, this.ttlMs),
        this.renewMs,
        'lease',
      );
      const was = this.held();
      this.validUntil = got === 1 ? sentAt + this.ttlMs - this.renewMs : 0;
      if (was !== this.held()) this.logger.info({ key: this.key, held: this.held() }, 'lease');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn({ err }, 'lease could not be renewed');
      this.failing = true;
    }
    return this.held();
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    this.ticking = this.tick();
    await this.ticking;
    this.ticking = undefined;
    if (this.running) this.timer = setTimeout(() => void this.loop(), this.renewMs).unref();
  }
}
