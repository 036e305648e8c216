import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { withTimeout } from '../infra/with-timeout';
import type { NodeRegistry } from './node-registry';
import { ownerOf } from './rendezvous';

export interface MembershipOptions {
  nodeId: string;
  heartbeatMs: number;
  /** How long an entry lives without a beat; must be > 2 × heartbeatMs (config checks it). */
  nodeTtlMs: number;
  /** The node's clock (ms since the epoch); see NodeRegistry for the skew assumption. */
  now?: () => number;
}

/** Called with the new and the previous view (both sorted) whenever the view changes. */
export type ViewListener = (nodes: readonly string[], previous: readonly string[]) => void;

/**
 * This node's view of the live cluster, and therefore of who owns each conversation.
 *
 * Contracts:
 * - While joined, the node beats every heartbeatMs (one beat in flight at a time) and each
 *   beat refreshes the view; a crashed node leaves everyone's view within TTL + one beat.
 * - The view always contains this node while joined, and never after `leave()` starts, so
 *   `ownerOf` never names a node that has left itself. Views of different nodes converge within
 *   one heartbeat; during that window two nodes may both believe they own a conversation (the
 *   unique `(conversationId, seq)` index is the last word, see ARCHITECTURE.md).
 * - While the registry is unreachable the last view is kept (logged once, not per beat): a node
 *   cut off from Redis keeps serving what it owned rather than claiming everything.
 * - Listeners run synchronously inside the beat that saw the change; a throwing listener is
 *   logged and does not stop the others.
 */
export class ClusterMembership implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly nodeId: string;
  private view: readonly string[] = [];
  private joined = false;
  private loop = 0; // bumped by join/leave so a stale beat loop stops rescheduling itself
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private unreachable = false;
  private readonly listeners = new Set<ViewListener>();
  private readonly now: () => number;
  private readonly gauge?: Gauge;

  constructor(
    private readonly registry: NodeRegistry,
    private readonly options: MembershipOptions,
    private readonly logger: Logger,
    metrics?: Registry,
  ) {
    this.nodeId = options.nodeId;
    this.now = options.now ?? Date.now;
    if (metrics) {
      this.gauge = new Gauge({
        name: 'parley_cluster_live_nodes',
        help: 'Nodes in this node’s view of the cluster (itself included while joined)',
        registers: [metrics],
      });
    }
  }

  /** Sorted node ids; includes this node while joined, even if Redis is briefly unreachable. */
  liveNodes(): readonly string[] {
    return this.view;
  }

  /** The owner of a conversation in the current view; undefined only when the view is empty. */
  ownerOf(conversationId: string): string | undefined {
    return ownerOf(conversationId, this.view);
  }

  isLocal(conversationId: string): boolean {
    return this.ownerOf(conversationId) === this.nodeId;
  }

  /** Subscribes to view changes; returns the unsubscribe function. */
  onChange(listener: ViewListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Announces this node and starts beating; resolves after the first beat (even a failed one). */
  async join(): Promise<void> {
    if (this.joined) return;
    this.joined = true;
    const loop = ++this.loop;
    this.setView([...this.view, this.nodeId]);
    await this.beatLoop(loop);
  }

  /**
   * Stops beating, drops this node from the local view at once, then removes its entry so the
   * others see it gone on their next beat. Never throws: if Redis cannot be reached, the entry
   * simply expires after the TTL.
   */
  async leave(): Promise<void> {
    if (!this.joined) return;
    this.joined = false;
    this.loop++;
    clearTimeout(this.timer);
    this.setView(this.view.filter((n) => n !== this.nodeId));
    await this.inFlight; // its ZADD was sent first; the removal must land after it
    try {
      await withTimeout(this.registry.remove(this.nodeId), this.options.nodeTtlMs, 'cluster leave');
      this.logger.info({ nodeId: this.nodeId }, 'left the cluster');
    } catch (err) {
      this.logger.warn({ err: errorText(err) }, 'could not deregister; the entry will expire');
    }
  }

  onApplicationBootstrap(): Promise<void> {
    return this.join();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.leave();
  }

  private async beatLoop(loop: number): Promise<void> {
    this.inFlight = this.beat();
    await this.inFlight;
    this.inFlight = undefined;
    if (this.joined && this.loop === loop) {
      this.timer = setTimeout(() => void this.beatLoop(loop), this.options.heartbeatMs).unref();
    }
  }

  private async beat(): Promise<void> {
    const now = this.now();
    try {
      const live = await withTimeout(
        this.registry.beat(this.nodeId, now + this.options.nodeTtlMs, now),
        this.options.heartbeatMs,
        'cluster heartbeat',
      );
      if (this.unreachable) {
        this.unreachable = false;
        this.logger.info('cluster registry reachable again');
      }
      const others = live.filter((n) => n !== this.nodeId);
      this.setView(this.joined ? [...others, this.nodeId] : others);
    } catch (err) {
      if (!this.unreachable) {
        this.unreachable = true;
        this.logger.warn(
          { err: errorText(err) },
          'cluster registry unreachable; keeping last view',
        );
      }
    }
  }

  private setView(nodes: readonly string[]): void {
    const next = [...new Set(nodes)].sort();
    const previous = this.view;
    if (next.length === previous.length && next.every((n, i) => n === previous[i])) return;
    this.view = next;
    this.gauge?.set(next.length);
    this.logger.info({ nodes: next, previous }, 'cluster view changed');
    for (const listener of this.listeners) {
      try {
        listener(next, previous);
      } catch (err) {
        this.logger.error({ err }, 'cluster view listener failed');
      }
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
