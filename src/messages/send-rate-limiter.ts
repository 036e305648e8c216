import { Injectable } from '@nestjs/common';
import { ChatError } from '../common/chat-error';
import { AppConfig } from '../config/app-config';

const MAX_TRACKED_USERS = 100_000;

/**
 * Per-user token bucket for sends on this node: SEND_RATE_BURST tokens, refilled at
 * SEND_RATE_PER_SECOND. Kept in memory on purpose: it costs nothing on the hot path, and a
 * user's sockets usually sit on one node. A user spread over N nodes gets up to N times
 * the rate; a cluster-wide limit would need a Redis round trip per send.
 */
@Injectable()
export class SendRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly rate: number;
  private readonly burst: number;

  constructor(config: AppConfig) {
    this.rate = config.limits.sendRatePerSecond;
    this.burst = config.limits.sendRateBurst;
  }

  /** Takes one token or throws `rate_limited` with the wait until the next one. */
  take(userId: string, now = Date.now()): void {
    const bucket = this.buckets.get(userId) ?? { tokens: this.burst, at: now };
    const tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    if (tokens < 1) {
      throw ChatError.rateLimited(((1 - tokens) / this.rate) * 1000);
    }
    // Re-inserting keeps the Map in least-recently-used order for the trim below.
    this.buckets.delete(userId);
    this.buckets.set(userId, { tokens: tokens - 1, at: now });
    if (this.buckets.size > MAX_TRACKED_USERS)
      this.buckets.delete(this.buckets.keys().next().value!);
  }
}
