import { Deletions, DELETIONS_KEPT, unreadFromSummary, withDeletion } from './conversation.types';

describe('unread counts from the summary', () => {
  const none: Deletions = { seqs: [], from: 1 };

  it('counts the messages after the read cursor, less the deleted ones', () => {
    expect(unreadFromSummary(10, 4, none)).toBe(6);
    expect(unreadFromSummary(10, 4, { seqs: [2, 5, 9], from: 1 })).toBe(4);
    expect(unreadFromSummary(10, 10, none)).toBe(0);
    expect(unreadFromSummary(3, 7, none)).toBe(0); // a cursor ahead of a lagging summary
  });

  it('gives up (count the messages instead) when the record does not reach the cursor', () => {
    expect(unreadFromSummary(10, 4, undefined)).toBeUndefined();
    expect(unreadFromSummary(900, 4, { seqs: [700], from: 600 })).toBeUndefined();
    expect(unreadFromSummary(900, 599, { seqs: [700], from: 600 })).toBe(300);
  });

  it('records each deleted seq once and keeps the newest, moving `from` past the forgotten', () => {
    expect(withDeletion(withDeletion(none, 5), 3)).toEqual({ seqs: [3, 5], from: 1 });
    const once = withDeletion(none, 5);
    expect(withDeletion(once, 5)).toBe(once);

    let d = none;
    for (let seq = 1; seq <= DELETIONS_KEPT + 3; seq++) d = withDeletion(d, seq * 2);
    expect(d.seqs).toHaveLength(DELETIONS_KEPT);
    expect(d.seqs[0]).toBe(8);
    expect(d.from).toBe(7); // 2, 4 and 6 were forgotten: a cursor below 6 counts messages
    expect(unreadFromSummary(2000, 5, d)).toBeUndefined();
    expect(unreadFromSummary(2 * (DELETIONS_KEPT + 3), 6, d)).toBe(
      2 * (DELETIONS_KEPT + 3) - 6 - DELETIONS_KEPT,
    );
  });
});
