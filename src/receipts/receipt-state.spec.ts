import { applyReceipt, withReceipts } from './receipt-state';

describe('applyReceipt', () => {
  const zero = { readSeq: 0, deliveredSeq: 0 };

  it('moves the read cursor forward and delivery with it', () => {
    expect(applyReceipt(zero, 'read', 3, 10)).toEqual({ readSeq: 3, deliveredSeq: 3 });
  });

  it('never moves a cursor backwards', () => {
    const at5 = { readSeq: 5, deliveredSeq: 7 };
    expect(applyReceipt(at5, 'read', 2, 10)).toEqual(at5);
    expect(applyReceipt(at5, 'delivered', 6, 10)).toEqual(at5);
  });

  it('clamps at the last seq and at zero', () => {
    expect(applyReceipt(zero, 'read', 999, 4)).toEqual({ readSeq: 4, deliveredSeq: 4 });
    expect(applyReceipt(zero, 'delivered', -3, 4)).toEqual(zero);
  });

  it('moves only delivery for a delivered receipt', () => {
    expect(applyReceipt({ readSeq: 1, deliveredSeq: 1 }, 'delivered', 4, 9)).toEqual({
      readSeq: 1,
      deliveredSeq: 4,
    });
  });
});

describe('withReceipts', () => {
  const messages = [
    { seq: 1, senderId: 'ann' },
    { seq: 2, senderId: 'bob' },
    { seq: 3, senderId: 'ann' },
  ];

  it('lists everyone but the sender whose cursor reached the message', () => {
    const cursors = new Map([
      ['ann', { readSeq: 3, deliveredSeq: 3 }],
      ['bob', { readSeq: 1, deliveredSeq: 3 }],
      ['cy', { readSeq: 0, deliveredSeq: 2 }],
    ]);
    expect(withReceipts(messages, cursors).map((m) => [m.deliveredTo, m.readBy])).toEqual([
      [['bob', 'cy'], ['bob']],
      [['ann', 'cy'], ['ann']],
      [['bob'], []],
    ]);
  });

  it('leaves every message unread without cursors', () => {
    expect(withReceipts(messages, new Map()).every((m) => m.readBy.length === 0)).toBe(true);
  });
});
