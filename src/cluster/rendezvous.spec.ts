import { ownerOf, weight } from './rendezvous';

const keys = Array.from({ length: 10_000 }, (_, i) => `conv-${i.toString(36)}-${i * 7919}`);
const owners = (nodes: readonly string[]) => keys.map((k) => ownerOf(k, nodes));

describe('ownerOf (rendezvous hashing)', () => {
  const three = ['node-a', 'node-b', 'node-c'];

  it('has no owner without nodes, and the only node owns everything', () => {
    expect(ownerOf('x', [])).toBeUndefined();
    expect(ownerOf('x', ['solo'])).toBe('solo');
  });

  it('is deterministic and independent of the order of the nodes', () => {
    expect(owners(three)).toEqual(owners([...three].reverse()));
    expect(owners(three)).toEqual(owners(['node-b', 'node-c', 'node-a']));
    expect(weight('node-a', 'k')).toBe(weight('node-a', 'k'));
  });

  it('keeps the weights of the cluster protocol (a change moves conversations between versions)', () => {
    expect(weight('node-a', 'conversation-1')).toBe(6943309489461438);
    expect(weight('node-b', 'conversation-1')).toBe(5697783658249626);
    expect(['k1', 'k2', 'k3', 'k4'].map((k) => ownerOf(k, three))).toEqual([
      'node-a',
      'node-b',
      'node-c',
      'node-b',
    ]);
  });

  it('separates the node from the key (no "ab"+"c" = "a"+"bc" collisions)', () => {
    expect(weight('ab', 'c')).not.toBe(weight('a', 'bc'));
  });

  it.each([
    [['node-a', 'node-b', 'node-c']],
    [['node-1', 'node-2', 'node-3']],
    [['parley-7f9c-0', 'parley-7f9c-1', 'parley-7f9c-2']],
  ])('balances 10k keys over %j within ±10 %% of a third', (nodes) => {
    const counts = new Map<string, number>();
    for (const o of owners(nodes)) counts.set(o!, (counts.get(o!) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...nodes].sort());
    for (const n of counts.values()) {
      expect(Math.abs(n - keys.length / 3)).toBeLessThan((keys.length / 3) * 0.1);
    }
  });

  it('moves only the removed node’s keys when a node leaves', () => {
    const before = owners(three);
    const after = owners(['node-a', 'node-c']);
    keys.forEach((_, i) => {
      if (before[i] !== 'node-b') expect(after[i]).toBe(before[i]);
      else expect(after[i]).not.toBe('node-b');
    });
  });

  it('moves about 1/(n+1) of the keys, all to the newcomer, when a node joins', () => {
    const before = owners(three);
    const after = owners([...three, 'node-d']);
    let moved = 0;
    keys.forEach((_, i) => {
      if (after[i] !== before[i]) {
        moved++;
        expect(after[i]).toBe('node-d');
      }
    });
    expect(Math.abs(moved / keys.length - 1 / 4)).toBeLessThan(0.025);
  });
});
