import { Batcher, settleAll } from './batcher';

describe('Batcher', () => {
  it('writes a lone item at once and everything submitted meanwhile in the next flush', async () => {
    const flushes: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<number>(
      settleAll(async (items) => {
        flushes.push(items);
        if (flushes.length === 1) await gate;
      }),
    );
    const first = batcher.submit(1);
    const rest = [2, 3, 4].map((n) => batcher.submit(n));
    expect(flushes).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(flushes).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects exactly the entries of a failing flush and goes on with the next', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<string>(
      settleAll(async () => {
        if (++calls === 1) {
          await gate;
          throw new Error('write failed');
        }
      }),
    );
    const failed = batcher.submit('a');
    const next = batcher.submit('b');
    release();
    await expect(failed).rejects.toThrow('write failed');
    await expect(next).resolves.toBeUndefined();
  });

  it('splits a backlog by size', async () => {
    const flushes: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<number[]>(
      settleAll(async (lists) => {
        flushes.push(lists.map((l) => l.length));
        if (flushes.length === 1) await gate;
      }),
      4,
      (l) => l.length,
    );
    const all = [[1], [1, 1, 1], [1, 1], [1, 1, 1], [1]].map((l) => batcher.submit(l));
    release();
    await Promise.all(all);
    expect(flushes).toEqual([[1], [3, 2], [3, 1]]);
  });
});
