/** The most recent distinct repliers a thread root lists. */
export const REPLY_USERS_MAX = 10;

/** What a thread's root carries about its replies (deleted replies do not count). */
export interface ThreadSummary {
  replyCount: number;
  /** When the newest reply still standing was sent; null when none is. */
  lastReplyAt: Date | null;
  /** The most recent distinct senders of replies still standing, newest first. */
  replyUserIds: string[];
}

/** The payload of `thread:updated`. */
export interface ThreadUpdate extends ThreadSummary {
  conversationId: string;
  /** The root's id. */
  messageId: string;
}

/** `summary` once `replies` (ascending by seq, all newer than the summary's) are stored. */
export function withReplies(
  summary: ThreadSummary,
  replies: readonly { senderId: string; createdAt: Date }[],
): ThreadSummary {
  if (replies.length === 0) return summary;
  let users = summary.replyUserIds;
  for (const r of replies) users = [r.senderId, ...users.filter((u) => u !== r.senderId)];
  return {
    replyCount: summary.replyCount + replies.length,
    lastReplyAt: replies[replies.length - 1].createdAt,
    replyUserIds: users.slice(0, REPLY_USERS_MAX),
  };
}

/**
 * The summary of the replies standing, given newest first (as the database pages them). For
 * a reply deletion, where the summary cannot be adjusted from the old one alone.
 */
export function summaryOf(
  newestFirst: readonly { senderId: string; createdAt: Date }[],
  replyCount: number,
): ThreadSummary {
  const users: string[] = [];
  for (const r of newestFirst) {
    if (users.length === REPLY_USERS_MAX) break;
    if (!users.includes(r.senderId)) users.push(r.senderId);
  }
  return { replyCount, lastReplyAt: newestFirst[0]?.createdAt ?? null, replyUserIds: users };
}
