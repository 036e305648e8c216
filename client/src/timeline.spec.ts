import { Timeline } from './timeline';
import type { Message } from './wire';

const m = (seq: number) => ({ seq, conversationId: 'c' }) as Message;
const seqs = (ms: Message[]) => ms.map((x) => x.seq);

describe('Timeline', () => {
  it('hands over the next seq, drops what it already has, holds what comes past a gap', () => {
    const t = new Timeline(4);
    expect(seqs(t.accept(m(5)).ready)).toEqual([5]);
    expect(t.accept(m(5))).toEqual({ ready: [], gap: false });
    expect(t.accept(m(3))).toEqual({ ready: [], gap: false });
    expect(t.accept(m(8))).toEqual({ ready: [], gap: true });
    expect(t.accept(m(7))).toEqual({ ready: [], gap: true });
    expect(t.lastSeq).toBe(5);
    // The missing one arrives (from sync): it and the held ones go out in order.
    const filled = t.accept(m(6));
    expect(seqs(filled.ready)).toEqual([6, 7, 8]);
    expect(filled.gap).toBe(false);
    expect(t.lastSeq).toBe(8);
  });

  it('skips to a seq the application has from a history page, keeping what follows it', () => {
    const t = new Timeline(0);
    t.accept(m(3));
    t.accept(m(6));
    expect(seqs(t.skipTo(5))).toEqual([6]);
    expect(t.lastSeq).toBe(6);
    expect(t.hasGap).toBe(false);
    expect(t.skipTo(2)).toEqual([]);
    expect(t.lastSeq).toBe(6);
  });
});
