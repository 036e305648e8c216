import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { ClusterMembership } from './cluster-membership';
import { MemoryNodeRegistry, NodeRegistry } from './node-registry';

const HEARTBEAT = 100;
const TTL = 500;

function fakeLogger() {
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() };
  return logger as typeof logger & Logger;
}

/** One node's connection to the shared registry, which the test can cut. */
class Link implements NodeRegistry {
  down = false;
  constructor(private readonly shared: MemoryNodeRegistry) {}
  beat(id: string, expiresAt: number, now: number) {
    return this.down
      ? Promise.reject(new Error('ECONNREFUSED'))
      : this.shared.beat(id, expiresAt, now);
  }
  remove(id: string) {
    return this.down ? Promise.reject(new Error('ECONNREFUSED')) : this.shared.remove(id);
  }
}

describe('ClusterMembership (with an in-memory registry)', () => {
  let shared: MemoryNodeRegistry;
  const started: ClusterMembership[] = [];

  function node(nodeId: string, metrics?: Registry) {
    const link = new Link(shared);
    const logger = fakeLogger();
    const options = { nodeId, heartbeatMs: HEARTBEAT, nodeTtlMs: TTL };
    const membership = new ClusterMembership(link, options, logger, metrics);
    started.push(membership);
    return { membership, link, logger };
  }

  beforeEach(() => {
    jest.useFakeTimers();
    shared = new MemoryNodeRegistry();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((m) => m.leave()));
    jest.useRealTimers();
  });

  it('sees every joined node, sorted, and reports each change with the previous view', async () => {
    const b = node('b').membership;
    const a = node('a').membership;
    const changes: Array<[readonly string[], readonly string[]]> = [];
    a.onChange((nodes, previous) => changes.push([nodes, previous]));
    await b.join();
    await a.join();
    expect(a.liveNodes()).toEqual(['a', 'b']);
    expect(changes).toEqual([
      [['a'], []],
      [['a', 'b'], ['a']],
    ]);
    await jest.advanceTimersByTimeAsync(HEARTBEAT);
    expect(b.liveNodes()).toEqual(['a', 'b']);
    expect(changes).toHaveLength(2); // an unchanged view is not reported
  });

  it('gives every conversation exactly one local owner', async () => {
    const a = node('a').membership;
    const b = node('b').membership;
    await a.join();
    await b.join();
    await jest.advanceTimersByTimeAsync(HEARTBEAT);
    for (let i = 0; i < 200; i++) {
      const id = `c${i}`;
      expect(a.ownerOf(id)).toBe(b.ownerOf(id));
      expect(Number(a.isLocal(id)) + Number(b.isLocal(id))).toBe(1);
    }
  });

  it('drops a node that stopped beating within TTL + one heartbeat', async () => {
    const a = node('a').membership;
    const b = node('b');
    await a.join();
    await b.membership.join();
    await jest.advanceTimersByTimeAsync(HEARTBEAT);
    expect(a.liveNodes()).toEqual(['a', 'b']);
    b.link.down = true;
    await jest.advanceTimersByTimeAsync(TTL + HEARTBEAT);
    expect(a.liveNodes()).toEqual(['a']);
    // b, cut off, keeps its last view (itself included) and says so once.
    expect(b.membership.liveNodes()).toEqual(['a', 'b']);
    expect(b.logger.warn).toHaveBeenCalledTimes(1);
    b.link.down = false;
    await jest.advanceTimersByTimeAsync(HEARTBEAT);
    expect(b.logger.info).toHaveBeenCalledWith('cluster registry reachable again');
    await jest.advanceTimersByTimeAsync(HEARTBEAT);
    expect(a.liveNodes()).toEqual(['a', 'b']);
  });

  it('never names itself owner once leave() has started, and others notice within a beat', async () => {
    const a = node('a').membership;
    const b = node('b').membership;
    await a.join();
    await b.join();
    const leaving = b.leave();
    expect(b.liveNodes()).toEqual(['a']);
    await leaving;
    expect(shared.entries.has('b')).toBe(false);
    for (let i = 0; i < 100; i++) expect(b.ownerOf(`c${i}`)).toBe('a');
    await jest.advanceTimersByTimeAsync(HEARTBEAT);
    expect(a.liveNodes()).toEqual(['a']);
    expect(b.liveNodes()).toEqual(['a']); // no more beats after leaving
  });

  it('leaves without throwing when the registry is unreachable', async () => {
    const b = node('b');
    await b.membership.join();
    b.link.down = true;
    await expect(b.membership.leave()).resolves.toBeUndefined();
    expect(b.membership.liveNodes()).toEqual([]);
    expect(b.membership.ownerOf('x')).toBeUndefined();
    expect(b.logger.warn).toHaveBeenCalledWith(
      { err: 'ECONNREFUSED' },
      'could not deregister; the entry will expire',
    );
  });

  it('keeps itself in view when the very first beat fails, and can rejoin after leaving', async () => {
    const a = node('a');
    a.link.down = true;
    await a.membership.join();
    expect(a.membership.liveNodes()).toEqual(['a']);
    a.link.down = false;
    await a.membership.leave();
    await a.membership.join();
    expect(shared.entries.has('a')).toBe(true);
  });

  it('isolates a throwing listener and exports the view size as a gauge', async () => {
    const metrics = new Registry();
    const a = node('a', metrics);
    const seen: string[][] = [];
    a.membership.onChange(() => {
      throw new Error('boom');
    });
    const off = a.membership.onChange((nodes) => seen.push([...nodes]));
    await a.membership.join();
    off();
    await node('b').membership.join();
    await jest.advanceTimersByTimeAsync(HEARTBEAT);
    expect(seen).toEqual([['a']]);
    expect(a.logger.error).toHaveBeenCalledTimes(2);
    const gauge = await metrics.getSingleMetric('parley_cluster_live_nodes')!.get();
    expect(gauge.values[0].value).toBe(2);
  });
});
