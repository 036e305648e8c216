/*
 * The only place Socket.IO room names are built. Every node must agree on them: the Redis
 * adapter's sharded mode maps each room to its own channel (`socket.io#/chat#<room>#`).
 */

/** Every socket of a conversation's members, on every node. */
export const convRoom = (conversationId: string): string => `conv:${conversationId}`;

/** Every socket of one user, on every node (membership changes reach them through it). */
export const userRoom = (userId: string): string => `user:${userId}`;

/** The sockets subscribed to one user's presence (`presence:subscribe`), on every node. */
export const presenceRoom = (userId: string): string => `presence:${userId}`;

export const isPresenceRoom = (room: string): boolean => room.startsWith('presence:');

/** The conversation id of a `convRoom`, or undefined for any other room. */
export const conversationOfRoom = (room: string): string | undefined =>
  room.startsWith('conv:') ? room.slice('conv:'.length) : undefined;
