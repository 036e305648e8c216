export const PRESENCE_READER = Symbol('PRESENCE_READER');

/**
 * Which users hold a live socket somewhere in the cluster, for workers that must not ask
 * Socket.IO (`fetchSockets` is a cluster-wide query, kept off hot paths). A snapshot: a user
 * may connect or leave right after; callers accept that (a notification too many or too few
 * at the edge of a connect is harmless). RedisPresenceStore (src/presence) implements it.
 */
export interface PresenceReader {
  /** The subset of `userIds` that holds at least one socket now. */
  isOnline(userIds: readonly string[]): Promise<Set<string>>;
}
