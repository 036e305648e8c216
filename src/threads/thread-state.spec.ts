import { REPLY_USERS_MAX, summaryOf, withReplies } from './thread-state';

const at = (n: number) => new Date(n * 1000);
const none = { replyCount: 0, lastReplyAt: null, replyUserIds: [] };

describe('thread summaries', () => {
  it('counts replies and lists the most recent distinct repliers first, at most 10', () => {
    const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
    let s = withReplies(
      none,
      users.map((u, i) => ({ senderId: u, createdAt: at(i) })),
    );
    expect(s.replyCount).toBe(12);
    expect(s.lastReplyAt).toEqual(at(11));
    expect(s.replyUserIds).toEqual(users.slice(2).reverse());
    expect(s.replyUserIds).toHaveLength(REPLY_USERS_MAX);
    // u0 replies again: it moves to the front, and the oldest of the ten drops out.
    s = withReplies(s, [{ senderId: 'u0', createdAt: at(20) }]);
    expect(s.replyUserIds).toEqual(['u0', ...users.slice(3).reverse()]);
    expect(s.replyCount).toBe(13);
  });

  it('counts again from the replies standing (a deletion)', () => {
    const standing = [
      { senderId: 'b', createdAt: at(5) },
      { senderId: 'a', createdAt: at(4) },
      { senderId: 'b', createdAt: at(3) },
    ];
    expect(summaryOf(standing, 3)).toEqual({
      replyCount: 3,
      lastReplyAt: at(5),
      replyUserIds: ['b', 'a'],
    });
    expect(summaryOf([], 0)).toEqual(none);
  });
});
