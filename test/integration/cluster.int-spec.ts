import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import pino, { Logger } from 'pino';
import { Registry } from 'prom-client';
import { ChatError } from '../../src/common/chat-error';
import { ClusterMembership } from '../../src/cluster/cluster-membership';
import { NodeBus } from '../../src/cluster/node-bus';
import { RedisNodeRegistry } from '../../src/cluster/node-registry';
import { expectEventually } from '../support/eventually';

const HEARTBEAT = 100;
const TTL = 500;
const prefix = `test-cluster-${randomUUID().slice(0, 8)}`; // never collides with running nodes
const silent = pino({ level: 'silent' });
const clients: Redis[] = [];
const memberships: ClusterMembership[] = [];
const buses: NodeBus[] = [];

/** A client of its own per simulated node, so one node can be cut off alone. */
function client(): Redis {
  const redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

function member(nodeId: string, logger: Logger = silent) {
  const redis = client();
  const options = { nodeId, heartbeatMs: HEARTBEAT, nodeTtlMs: TTL };
  const m = new ClusterMembership(new RedisNodeRegistry(redis, prefix), options, logger);
  memberships.push(m);
  return { m, redis };
}

async function bus(nodeId: string, metrics?: Registry): Promise<NodeBus> {
  const b = new NodeBus(client(), { nodeId, requestTimeoutMs: 2000, prefix }, silent, metrics);
  buses.push(b);
  await b.start();
  return b;
}

afterAll(async () => {
  await Promise.all(memberships.map((m) => m.leave()));
  await Promise.all(buses.map((b) => b.close()));
  // A client already disconnected (the "crashed" node) must not be disconnected again: ioredis
  // would arm a 2 s timer that keeps Jest from exiting.
  await Promise.all(clients.filter((c) => c.status !== 'end').map((c) => c.quit()));
});

describe('ClusterMembership on the real Redis', () => {
  const ids = ['node-a', 'node-b', 'node-c'];
  let nodes: ClusterMembership[];

  beforeAll(async () => {
    nodes = ids.map((id) => member(id).m);
    await Promise.all(nodes.map((n) => n.join()));
  });

  const everyoneSees = (expected: string[]) =>
    expectEventually(() => nodes.forEach((n) => expect(n.liveNodes()).toEqual(expected)), {
      intervalMs: 20,
    });

  it('lets three nodes see each other', async () => {
    await everyoneSees(ids);
  });

  it('makes all three agree on the owner of 1,000 conversations, each owned by one', async () => {
    await everyoneSees(ids);
    const keys = Array.from({ length: 1000 }, () => randomUUID());
    for (const key of keys) {
      const owner = nodes[0].ownerOf(key);
      expect(nodes.map((n) => n.ownerOf(key))).toEqual([owner, owner, owner]);
      expect(nodes.filter((n) => n.isLocal(key)).map((n) => n.nodeId)).toEqual([owner]);
    }
  });

  // How soon (TTL + one heartbeat) is proven with a fake clock in cluster-membership.spec.ts;
  // here, on the real Redis, that the others drop it and the cut-off node keeps its last view.
  it('drops a crashed node, while it keeps its last view', async () => {
    const warn = jest.fn();
    const crashed = member('node-x', { ...silent, warn, info: () => undefined } as never);
    await crashed.m.join();
    await everyoneSees([...ids, 'node-x']);
    crashed.redis.disconnect(); // no more beats and no ZREM: as far as Redis can tell, a crash
    await everyoneSees(ids); // by now the cut-off node has failed several beats
    expect(crashed.m.liveNodes()).toEqual([...ids, 'node-x']);
    await expectEventually(() => expect(warn).toHaveBeenCalled(), { intervalMs: 20 });
    expect(warn).toHaveBeenCalledTimes(1); // once per outage, not per beat
  });

  it('removes a node that leaves at once', async () => {
    const leaving = member('node-y').m;
    await leaving.join();
    await everyoneSees([...ids, 'node-y']);
    const registry = client();
    await leaving.leave();
    expect(await registry.zscore(`${prefix}:nodes`, 'node-y')).toBeNull();
    expect(leaving.liveNodes()).not.toContain('node-y');
    expect(Array.from({ length: 200 }, (_, i) => leaving.ownerOf(`c${i}`))).not.toContain('node-y');
    await everyoneSees(ids);
  });
});

describe('NodeBus on the real Redis', () => {
  let a: NodeBus;
  let b: NodeBus;
  let metrics: Registry;
  let arrivals: number[];

  beforeAll(async () => {
    metrics = new Registry();
    a = await bus('bus-a', metrics);
    b = await bus('bus-b');
    b.handle(async (payload, from) => {
      const p = payload as { kind: string; n?: number };
      if (p.kind === 'order') arrivals.push(p.n!); // before any await: see NodeBus ordering
      if (p.kind === 'echo') return { payload, from, at: new Date(0) };
      if (p.kind === 'limited') throw ChatError.rateLimited(1234);
      if (p.kind === 'invalid') throw ChatError.validation('bad', [{ path: 'text', message: 'x' }]);
      if (p.kind === 'bug') throw new Error('secret internals');
      return p.n;
    });
  });

  it('answers a request with the handler’s result (dates as ISO strings)', async () => {
    const reply = await a.request('bus-b', { kind: 'echo', text: 'hi' });
    expect(reply).toEqual({
      payload: { kind: 'echo', text: 'hi' },
      from: 'bus-a',
      at: '1970-01-01T00:00:00.000Z',
    });
  });

  it('rethrows a ChatError with its code, retryAfterMs and details', async () => {
    const limited = await a.request('bus-b', { kind: 'limited' }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ChatError);
    expect((limited as ChatError).toWire()).toEqual({
      code: 'rate_limited',
      message: 'too many requests; retry later',
      retryAfterMs: 1234,
    });
    expect((limited as ChatError).temporary).toBe(true);
    await expect(a.request('bus-b', { kind: 'invalid' })).rejects.toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'text', message: 'x' }],
    });
  });

  it('turns any other failure into internal without leaking its message', async () => {
    const err = (await a.request('bus-b', { kind: 'bug' }).catch((e: unknown) => e)) as ChatError;
    expect(err).toBeInstanceOf(ChatError);
    expect(err.code).toBe('internal');
    expect(err.message).toBe('internal error on node bus-b');
  });

  it('times out against a node that listens but does not answer', async () => {
    const mute = client();
    await mute.subscribe(`${prefix}:bus:bus-mute`);
    const started = Date.now();
    const err = (await a.request('bus-mute', {}, 300).catch((e: unknown) => e)) as ChatError;
    expect(err).toBeInstanceOf(ChatError);
    expect(err.toWire()).toEqual({ code: 'unavailable', message: 'node bus-mute did not answer' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('fails at once when no node listens', async () => {
    // 'not listening' (not the timeout's 'did not answer') is what proves it did not wait.
    await expect(a.request('bus-nobody', {}, 10_000)).rejects.toMatchObject({
      code: 'unavailable',
      message: 'node bus-nobody is not listening',
    });
  });

  it('answers unavailable while the target has no handler yet', async () => {
    await bus('bus-bare');
    await expect(a.request('bus-bare', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: 'node bus-bare is not ready',
    });
  });

  it('delivers 1,000 requests from A to B in the order they were sent', async () => {
    arrivals = [];
    const n = Array.from({ length: 1000 }, (_, i) => i);
    const replies = await Promise.all(
      n.map((i) => a.request<number>('bus-b', { kind: 'order', n: i })),
    );
    expect(replies).toEqual(n);
    expect(arrivals).toEqual(n);
  });

  it('rejects pending requests when it closes', async () => {
    const c = await bus('bus-closing');
    const mute = client();
    await mute.subscribe(`${prefix}:bus:bus-mute-2`);
    const pending = c.request('bus-mute-2', {}, 10_000).catch((e: unknown) => e);
    await c.close();
    expect(await pending).toMatchObject({ code: 'unavailable', message: 'node bus closed' });
    await expect(c.request('bus-b', {})).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('counts outcomes and latency', async () => {
    const text = await metrics.metrics();
    expect(text).toMatch(/parley_bus_requests_total\{outcome="ok"\} \d{4}/);
    expect(text).toMatch(/parley_bus_requests_total\{outcome="timeout"\} 1\b/);
    expect(text).toMatch(/parley_bus_request_seconds_count \d+/);
  });
});
