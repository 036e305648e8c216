/*
 * One user's presence as the store keeps it, and the transitions every store applies
 * atomically (the Redis store runs the same steps as Lua scripts; the memory store runs these
 * functions). Kept pure so the debounce rules are tested on their own.
 *
 * - `sockets`: per node, how many sockets of the user it holds. Online ⇔ some node holds one.
 * - `status`: what subscribers were last told. It turns `online` at once when the first socket
 *   appears, but `offline` only when the last one has been gone for the debounce window: the
 *   moment it goes to zero a pending offline is recorded (`leftAt`, `pendingDue`), and a socket
 *   that comes back before it is due cancels it, so a flapping connection pushes nothing.
 * - `lastSeenAt`: when the user was last seen (the moment the last socket went away).
 */

export type PresenceStatus = 'online' | 'offline';

export interface PresenceRecord {
  sockets: Map<string, number>;
  status?: PresenceStatus;
  leftAt?: number;
  lastSeenAt?: number;
  pendingDue?: number;
}

/** `online`: tell subscribers now; `pending`: an offline is due at the given time. */
export type Transition = 'online' | 'pending' | undefined;

export interface PresenceView {
  status: PresenceStatus;
  /** ms since the epoch; null while online or never seen. */
  lastSeenAt: number | null;
}

export const newRecord = (): PresenceRecord => ({ sockets: new Map() });

/** `delta` sockets of the user opened (+) or closed (−) on `nodeId`. */
export function addSockets(
  r: PresenceRecord,
  nodeId: string,
  delta: number,
  now: number,
  due: number,
): Transition {
  return setSockets(r, nodeId, (r.sockets.get(nodeId) ?? 0) + delta, now, due);
}

/** `nodeId` holds exactly `count` sockets of the user (0: none, e.g. the node died). */
export function setSockets(
  r: PresenceRecord,
  nodeId: string,
  count: number,
  now: number,
  due: number,
): Transition {
  if (count > 0) r.sockets.set(nodeId, count);
  else r.sockets.delete(nodeId);
  const online = r.status === 'online';
  if (r.sockets.size > 0) {
    r.pendingDue = undefined;
    if (online) return undefined;
    r.status = 'online';
    return 'online';
  }
  // The earliest departure wins: a pending offline is never pushed back.
  if (online && r.pendingDue === undefined) {
    r.pendingDue = due;
    r.leftAt = now;
    return 'pending';
  }
  return undefined;
}

/** Applies a pending offline that is due; returns lastSeenAt when the user went offline. */
export function commitOffline(r: PresenceRecord, now: number): number | undefined {
  if (r.pendingDue === undefined || r.pendingDue > now) return undefined;
  r.pendingDue = undefined;
  if (r.sockets.size > 0 || r.status !== 'online') return undefined;
  r.status = 'offline';
  r.lastSeenAt = r.leftAt ?? now;
  r.leftAt = undefined;
  return r.lastSeenAt;
}

/** What a subscriber is told: the announced status, so a pending offline still reads online. */
export function viewOf(r: PresenceRecord | undefined): PresenceView {
  return r?.status === 'online'
    ? { status: 'online', lastSeenAt: null }
    : { status: 'offline', lastSeenAt: r?.lastSeenAt ?? null };
}
