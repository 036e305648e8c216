import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import type { ClusterMembership } from '../cluster/cluster-membership';
import { ownerOf } from '../cluster/rendezvous';
import type { PresenceStore } from './presence-store';
import type { PresenceService } from './presence.service';

// Besides every view change, dead nodes are looked for every this many passes: a safety net
// for entries written back after their node was reaped (a late step of a stopping node).
const REAP_EVERY_PASSES = 30;

/**
 * Keeps the cluster's presence true when nodes come and go. Every `sweepMs`, and at once
 * when the cluster view changes, one pass (never two at a time):
 * 1. reconciles this node's own entries if a store step failed, or if a tombstone says
 *    another node reaped it (it was cut off long enough to leave the view, yet lives);
 * 2. after a view change (and now and then), reaps every node that has presence entries but is not live: the
 *    owner of its id by rendezvous over the view does it, so one survivor works per dead
 *    node (two during a view disagreement is harmless: the steps are idempotent). A reaper
 *    that dies midway leaves the node listed, and the next view change hands it over;
 * 3. commits due offlines (a safety net for the timers of nodes that stopped).
 * At boot, before any socket is accepted, the node reconciles once: a previous process with
 * the same NODE_ID may have died holding sockets.
 */
export class PresenceReaper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private reapNeeded = true;
  private unsubscribe?: () => void;
  private failing = false;
  private passes = 0;

  constructor(
    private readonly presence: PresenceService,
    private readonly store: PresenceStore,
    private readonly membership: ClusterMembership,
    private readonly sweepMs: number,
    private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = this.membership.onChange(() => {
      this.reapNeeded = true;
      void this.sweep();
    });
    await this.presence
      .reconcile()
      .catch((err: unknown) => this.logger.warn({ err }, 'presence reconcile at boot failed'));
    this.schedule();
  }

  beforeApplicationShutdown(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.presence.stop();
  }

  /** Runs one pass, or one more after the current pass if one is running. */
  sweep(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass().then(
          () => (this.failing = false),
          (err: unknown) => {
            if (!this.failing) this.logger.warn({ err }, 'presence sweep failed');
            this.failing = true;
          },
        );
      } while (this.again);
      this.running = undefined;
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    const { nodeId } = this.presence;
    if (++this.passes % REAP_EVERY_PASSES === 0) this.reapNeeded = true;
    const reaped = await this.store.takeTombstone(nodeId);
    if (reaped) this.logger.warn('another node reaped this node; re-asserting its presence');
    if (reaped || this.presence.needsReconcile) await this.presence.reconcile();
    if (this.reapNeeded) {
      this.reapNeeded = false;
      await this.reapDead().catch((err: unknown) => {
        this.reapNeeded = true;
        throw err;
      });
    }
    await this.presence.commitDue();
  }

  private async reapDead(): Promise<void> {
    const { nodeId } = this.presence;
    const view = this.membership.liveNodes();
    // Not joined, or leaving: this node's view is no authority on who is dead.
    if (!view.includes(nodeId)) return;
    for (const node of await this.store.nodes()) {
      if (view.includes(node) || ownerOf(node, view) !== nodeId) continue;
      const users = await this.presence.reap(node);
      this.logger.info({ node, users }, 'reaped the presence of a node that left');
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.sweep().then(() => {
        if (this.timer) this.schedule();
      });
    }, this.sweepMs);
    this.timer.unref();
  }
}
