import { ChatError } from '../common/chat-error';
import type { Reaction } from '../messages/message.types';

/** Users listed per emoji on the wire; `count` stays exact. */
export const USER_IDS_ON_WIRE = 100;

/** The answer of `reaction:add` / `reaction:remove` and the payload of `reaction:updated`. */
export interface ReactionsUpdate {
  conversationId: string;
  messageId: string;
  reactions: Reaction[];
}

/** A reaction as stored on the message document: every user, in the order they reacted. */
export interface StoredReaction {
  emoji: string;
  userIds: string[];
}

/** A message's reactions as its actor holds them: emoji → users, both in order of arrival. */
export type ReactionSet = ReadonlyMap<string, readonly string[]>;

export const fromStored = (stored: readonly StoredReaction[]): ReactionSet =>
  new Map(stored.filter((r) => r.userIds.length > 0).map((r) => [r.emoji, [...r.userIds]]));

export const toStored = (set: ReactionSet): StoredReaction[] =>
  [...set].map(([emoji, userIds]) => ({ emoji, userIds: [...userIds] }));

/** The wire form: exact counts, at most USER_IDS_ON_WIRE users each (the first to react). */
export const toWire = (set: ReactionSet): Reaction[] =>
  [...set].map(([emoji, userIds]) => ({
    emoji,
    count: userIds.length,
    userIds: userIds.slice(0, USER_IDS_ON_WIRE),
  }));

/**
 * `userId` adds or removes `emoji` (already normalized). Returns the same set when nothing
 * changes (adding twice, removing what is not there): both are idempotent. A new emoji past
 * `maxDistinct` distinct ones is a `conflict`.
 */
export function applyReaction(
  set: ReactionSet,
  userId: string,
  emoji: string,
  add: boolean,
  maxDistinct: number,
): ReactionSet {
  const users = set.get(emoji) ?? [];
  const has = users.includes(userId);
  if (add === has) return set;
  const next = new Map(set);
  if (add) {
    if (!set.has(emoji) && set.size >= maxDistinct) {
      throw new ChatError('conflict', `a message takes at most ${maxDistinct} distinct reactions`);
    }
    next.set(emoji, [...users, userId]);
  } else {
    const left = users.filter((u) => u !== userId);
    if (left.length) next.set(emoji, left);
    else next.delete(emoji);
  }
  return next;
}
