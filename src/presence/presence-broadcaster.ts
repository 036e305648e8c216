import type { PresenceStatus } from './presence-record';

export const PRESENCE_BROADCASTER = Symbol('PRESENCE_BROADCASTER');

/** The `typing` event: who is (or stopped) typing in which conversation. */
export interface TypingChange {
  conversationId: string;
  userId: string;
  isTyping: boolean;
}

/** The `presence` event. `lastSeenAt` (ISO 8601) is null while online or when never seen. */
export interface PresenceChange {
  userId: string;
  status: PresenceStatus;
  lastSeenAt: string | null;
}

/**
 * Pushes ephemeral state to connected clients on every node (implemented by the realtime
 * edge). Best effort like the domain's Broadcaster: never throws, never waits on the network.
 */
export interface PresenceBroadcaster {
  /** To the conversation's room, except every socket of the typist (all devices, all nodes). */
  typing(change: TypingChange): void;
  /** To the sockets subscribed to the user's presence, and to nobody else. */
  presence(change: PresenceChange): void;
}
