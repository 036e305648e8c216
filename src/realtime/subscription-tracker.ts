import { Injectable } from '@nestjs/common';

/**
 * The room subscriptions this node has asked Redis for and not yet had confirmed. A socket's
 * commands wait for them (see ChatGateway), so a client that calls `sync` right after
 * connecting gets every message stored before its rooms were live, and every later one is
 * delivered: nothing falls between the two.
 */
@Injectable()
export class SubscriptionTracker {
  private readonly pending = new Set<Promise<unknown>>();

  track(reply: Promise<unknown>): void {
    const settled = reply.catch(() => undefined);
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
  }

  /** Resolves once every subscription asked for so far is confirmed (or failed). */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }
}
