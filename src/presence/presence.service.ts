import type { Logger } from 'pino';
import type { PresenceBroadcaster } from './presence-broadcaster';
import type { PresenceStatus, Transition } from './presence-record';
import type { PresenceStore } from './presence-store';
import type { PresenceMetrics } from './presence.metrics';

export interface PresenceOptions {
  nodeId: string;
  /** How long the last socket must stay gone before subscribers are told `offline`. */
  offlineDebounceMs: number;
  now?: () => number;
}

/** A user's presence as `presence:subscribe` answers it. */
export interface PresenceAnswer {
  status: PresenceStatus;
  lastSeenAt: string | null;
}

// Due offlines committed per store round trip.
const BATCH = 200;
// A timer may fire a hair before the wall clock reaches the due time.
const TIMER_SLACK_MS = 5;

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/**
 * The presence of the users whose sockets this node holds, over the shared PresenceStore.
 *
 * Contracts:
 * - `socketOpened`/`socketClosed` are called once per socket, in that order. The store steps
 *   of one user are applied in call order (one queue per user); users do not wait on each
 *   other. A change is pushed by the node whose step made it, exactly once (steps are atomic).
 * - `offline` is pushed once the debounce is over (a timer here, or any node's `commitDue`
 *   if this node died meanwhile), with lastSeenAt = when the last socket went away.
 * - A failed store step marks the node dirty; `reconcile` then rewrites this node's counts
 *   from its own sockets. It also runs at boot (a previous life's entries) and when another
 *   node reaped this one by mistake (a tombstone, see PresenceReaper).
 */
export class PresenceService {
  readonly nodeId: string;
  private readonly local = new Map<string, number>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;
  private dirty = false;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly store: PresenceStore,
    private readonly broadcaster: PresenceBroadcaster,
    private readonly metrics: PresenceMetrics,
    private readonly options: PresenceOptions,
    private readonly logger: Logger,
  ) {
    this.nodeId = options.nodeId;
    this.now = options.now ?? Date.now;
  }

  get needsReconcile(): boolean {
    return this.dirty;
  }

  socketOpened(userId: string): void {
    this.local.set(userId, (this.local.get(userId) ?? 0) + 1);
    void this.step(userId, (now, due) => this.store.addSockets(this.nodeId, userId, 1, now, due));
  }

  socketClosed(userId: string): void {
    const left = (this.local.get(userId) ?? 0) - 1;
    if (left > 0) this.local.set(userId, left);
    else this.local.delete(userId);
    void this.step(userId, (now, due) => this.store.addSockets(this.nodeId, userId, -1, now, due));
  }

  async statusOf(userIds: readonly string[]): Promise<Record<string, PresenceAnswer>> {
    const views = await this.store.read(userIds);
    const answer: Record<string, PresenceAnswer> = {};
    for (const [id, v] of views) answer[id] = { status: v.status, lastSeenAt: iso(v.lastSeenAt) };
    return answer;
  }

  /** Pushes every offline whose debounce is over, whichever node scheduled it. */
  async commitDue(): Promise<void> {
    for (;;) {
      const users = await this.store.due(this.now(), BATCH);
      await Promise.all(users.map((u) => this.commit(u)));
      if (users.length < BATCH) return;
    }
  }

  /** Makes the store's counts for this node match the sockets it holds. */
  async reconcile(): Promise<void> {
    this.dirty = false;
    const listed = await this.store.usersOn(this.nodeId).catch((err: unknown) => {
      this.dirty = true;
      throw err;
    });
    const users = new Set([...listed, ...this.local.keys()]);
    // Counts are read when each user's turn comes, after the steps already queued.
    await Promise.all(
      [...users].map((u) =>
        this.step(u, (now, due) =>
          this.store.setSockets(this.nodeId, u, this.local.get(u) ?? 0, now, due),
        ),
      ),
    );
  }

  /** Drops a dead node's sockets; its users go offline after the debounce unless seen elsewhere. */
  async reap(nodeId: string): Promise<number> {
    const users = await this.store.usersOn(nodeId);
    const now = this.now();
    const due = now + this.options.offlineDebounceMs;
    for (let i = 0; i < users.length; i += BATCH) {
      const batch = users.slice(i, i + BATCH);
      await Promise.all(batch.map((u) => this.store.setSockets(nodeId, u, 0, now, due)));
    }
    await this.store.forgetNode(nodeId);
    if (users.length > 0) this.after(due, () => this.commitDue());
    return users.length;
  }

  /** Cancels the timers (the process is stopping; other nodes commit what is left). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private step(userId: string, run: (now: number, due: number) => Promise<Transition>) {
    const previous = this.queues.get(userId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const now = this.now();
      const due = now + this.options.offlineDebounceMs;
      try {
        const transition = await run(now, due);
        this.failing = false;
        if (transition === 'online') this.push(userId, 'online', null);
        else if (transition === 'pending') this.after(due, () => this.commit(userId));
      } catch (err) {
        this.dirty = true;
        if (!this.failing)
          this.logger.warn({ err, userId }, 'presence update failed; will reconcile');
        this.failing = true;
      }
    });
    this.queues.set(userId, next);
    void next.then(() => {
      if (this.queues.get(userId) === next) this.queues.delete(userId);
    });
    return next;
  }

  private async commit(userId: string): Promise<void> {
    const lastSeenAt = await this.store.commit(userId, this.now());
    if (lastSeenAt !== undefined) this.push(userId, 'offline', lastSeenAt);
  }

  private push(userId: string, status: PresenceStatus, lastSeenAt: number | null): void {
    this.metrics.changes.inc({ status });
    this.broadcaster.presence({ userId, status, lastSeenAt: iso(lastSeenAt) });
  }

  private after(at: number, run: () => Promise<void>): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        run().catch((err: unknown) => this.logger.warn({ err }, 'presence commit failed'));
      },
      Math.max(0, at - this.now()) + TIMER_SLACK_MS,
    );
    timer.unref();
    this.timers.add(timer);
  }
}
