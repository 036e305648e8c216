import {
  addSockets,
  commitOffline,
  newRecord,
  PresenceRecord,
  PresenceView,
  setSockets,
  Transition,
  viewOf,
} from './presence-record';

export const PRESENCE_STORE = Symbol('PRESENCE_STORE');

/**
 * Where the cluster's presence lives (the port behind PresenceService). Each method is one
 * atomic step of presence-record.ts over the shared state; none of them pushes anything.
 *
 * Ordering: steps of one user on one node must be applied in the order they were made (the
 * caller serialises them); steps of different nodes touch different per-node counts and
 * commute. Idempotency: `setSockets` and `commit` may be repeated; `addSockets` may not.
 */
export interface PresenceStore {
  addSockets(
    nodeId: string,
    userId: string,
    delta: number,
    now: number,
    due: number,
  ): Promise<Transition>;
  setSockets(
    nodeId: string,
    userId: string,
    count: number,
    now: number,
    due: number,
  ): Promise<Transition>;
  /** Commits the user's pending offline if due by `now`; its lastSeenAt when it went offline. */
  commit(userId: string, now: number): Promise<number | undefined>;
  /** Users whose pending offline is due by `now`, at most `limit`. */
  due(now: number, limit: number): Promise<string[]>;
  /** Users that `nodeId` holds sockets of. */
  usersOn(nodeId: string): Promise<string[]>;
  /** Nodes that hold (or held, until reaped) sockets. */
  nodes(): Promise<string[]>;
  /** Forgets a reaped node and leaves it a tombstone, read by `takeTombstone`. */
  forgetNode(nodeId: string): Promise<void>;
  /** True once after another node reaped `nodeId` (it then re-asserts its sockets). */
  takeTombstone(nodeId: string): Promise<boolean>;
  read(userIds: readonly string[]): Promise<Map<string, PresenceView>>;
}

/** In-process store for unit tests: several PresenceServices may share one. */
export class MemoryPresenceStore implements PresenceStore {
  readonly records = new Map<string, PresenceRecord>();
  readonly tombstones = new Set<string>();
  private readonly known = new Set<string>();

  async addSockets(nodeId: string, userId: string, delta: number, now: number, due: number) {
    this.known.add(nodeId);
    return addSockets(this.record(userId), nodeId, delta, now, due);
  }

  async setSockets(nodeId: string, userId: string, count: number, now: number, due: number) {
    if (count > 0) this.known.add(nodeId);
    return setSockets(this.record(userId), nodeId, count, now, due);
  }

  async commit(userId: string, now: number) {
    const r = this.records.get(userId);
    return r && commitOffline(r, now);
  }

  async due(now: number, limit: number) {
    return [...this.records]
      .filter(([, r]) => r.pendingDue !== undefined && r.pendingDue <= now)
      .map(([id]) => id)
      .slice(0, limit);
  }

  async usersOn(nodeId: string) {
    return [...this.records].filter(([, r]) => r.sockets.has(nodeId)).map(([id]) => id);
  }

  async nodes() {
    return [...this.known];
  }

  async forgetNode(nodeId: string) {
    this.known.delete(nodeId);
    this.tombstones.add(nodeId);
  }

  async takeTombstone(nodeId: string) {
    return this.tombstones.delete(nodeId);
  }

  async read(userIds: readonly string[]) {
    return new Map(userIds.map((id) => [id, viewOf(this.records.get(id))]));
  }

  private record(userId: string): PresenceRecord {
    let r = this.records.get(userId);
    if (!r) this.records.set(userId, (r = newRecord()));
    return r;
  }
}
