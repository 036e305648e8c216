import { applyReceipt, touchedRange } from './receipt-state';

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

describe('touchedRange', () => {
  it('is empty when the cursor did not move', () => {
    expect(touchedRange(5, 5, 100)).toBeUndefined();
  });
  it('covers the move when small, and only the newest `bound` messages when large', () => {
    expect(touchedRange(2, 7, 100)).toEqual({ from: 2, to: 7 });
    expect(touchedRange(0, 10_000, 100)).toEqual({ from: 9900, to: 10_000 });
  });
});
