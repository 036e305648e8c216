import { CursorCoalescer } from './cursor-coalescer';

describe('CursorCoalescer', () => {
  it('sends one command with the highest seq, again only when marked higher', async () => {
    const sent: number[] = [];
    const coalescer = new CursorCoalescer(async (_, seq) => (sent.push(seq), Math.min(seq, 7)), 5);
    for (let seq = 1; seq <= 9; seq++) coalescer.mark('c', seq);
    await new Promise((r) => setTimeout(r, 30));
    expect(sent).toEqual([9]);
    expect(coalescer.confirmed('c')).toBe(7); // clamped by the server to its last seq
    coalescer.mark('c', 8);
    coalescer.mark('c', 10);
    await new Promise((r) => setTimeout(r, 30));
    expect(sent).toEqual([9, 10]);
  });
});
