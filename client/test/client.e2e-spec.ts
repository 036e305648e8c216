import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { ownerOf } from '../../src/cluster/rendezvous';
import { expectEventually } from '../../test/support/eventually';
import { ApiUser } from '../../test/support/http';
import {
  awaitClusterView,
  FAST_FAILOVER_ENV,
  freePort,
  NodeProcess,
  startNode,
  stopNode,
} from '../../test/support/node-process';
import { runRedisServer } from '../../test/support/redis-server';
import { Balancer, startBalancer } from '../../test/support/tcp-balancer';
import { tokenFor } from '../../test/support/tokens';
import { connect, type ConnectOptions, type Message, type ParleyClient } from '../src';

const CLUSTER_ENV = FAST_FAILOVER_ENV;

const seqs = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('@parley/client against two real nodes', () => {
  let nodes: NodeProcess[] = [];
  const clients: ParleyClient[] = [];
  const balancers: Balancer[] = [];

  beforeAll(async () => {
    nodes = await Promise.all([0, 1].map(() => startNode(CLUSTER_ENV)));
    await awaitClusterView(nodes);
  }, 120_000);
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await Promise.all(balancers.splice(0).map((b) => b.close()));
  });
  afterAll(async () => {
    await Promise.all(nodes.filter((n) => n.child.exitCode === null).map(stopNode));
  }, 60_000);

  function client(url: string, userId: string, options: Partial<ConnectOptions> = {}) {
    const c = connect({ url, getToken: () => tokenFor(userId), ...options });
    clients.push(c);
    return c;
  }
  const nextStatus = (c: ParleyClient, status: string) =>
    new Promise<void>((resolve) => {
      const off = c.on('status', (s) => s.status === status && (off(), resolve()));
    });
  const live = (c: ParleyClient) =>
    expectEventually(() => expect(c.status).toBe('live'), { intervalMs: 20 });
  /** Every `message` the client hands over, in order. */
  const heard = (c: ParleyClient) => {
    const got: Message[] = [];
    c.on('message', (m) => got.push(m));
    return got;
  };
  async function group(admin: ApiUser, members: ApiUser[], owner?: NodeProcess) {
    const ids = nodes.filter((n) => n.child.exitCode === null).map((n) => n.nodeId);
    for (;;) {
      const res = await admin.post('/conversations', {
        type: 'group',
        name: 'sdk',
        participants: members.map((m) => m.id),
      });
      expect(res.status).toBe(201);
      if (!owner || ownerOf(res.body.id, ids) === owner.nodeId) return res.body.id as string;
    }
  }

  it('resolves every send exactly once, in order, with nothing missing, when the node dies mid-stream', async () => {
    const [n1, n2] = nodes;
    const [alice, bob] = await Promise.all([ApiUser.create(n2.url), ApiUser.create(n2.url)]);
    // The conversation's owner is the node alice's balancer sends her to: both die together.
    const id = await group(alice, [bob], n1);
    const lb = await startBalancer(() => [n1.url, n2.url]);
    balancers.push(lb);
    const a = client(lb.url, alice.id, { ackTimeoutMs: 3000 });
    const b = client(n2.url, bob.id);
    const aliceHeard = heard(a);
    const bobHeard = heard(b);
    const retried = new Set<string>();
    a.on('pending:retry', ({ pending }) => retried.add(pending.clientMessageId));
    await Promise.all([live(a), live(b)]);
    a.track(id);
    b.track(id);

    const total = 60;
    const resolved: { key: string; message: Message }[] = [];
    const settlements = new Map<string, number>();
    const sends = Array.from({ length: total }, (_, i) => {
      const key = `k${i}`;
      return a.send(id, `m${i}`, { clientMessageId: key }).then(
        (message) => {
          settlements.set(key, (settlements.get(key) ?? 0) + 1);
          resolved.push({ key, message });
        },
        (err: unknown) => {
          settlements.set(key, (settlements.get(key) ?? 0) + 1);
          throw err;
        },
      );
    });
    expect(a.state(id)?.pending.length).toBeGreaterThan(0);
    await expectEventually(() => expect(resolved.length).toBeGreaterThanOrEqual(15), {
      intervalMs: 5,
    });
    n1.child.kill('SIGKILL');
    await Promise.all(sends);

    // Each send resolved once, in the order it was made, with consecutive seqs.
    expect([...settlements.values()]).toEqual(Array(total).fill(1));
    expect(resolved.map((r) => r.key)).toEqual(seqs(0, total - 1).map((i) => `k${i}`));
    expect(resolved.map((r) => r.message.seq)).toEqual(seqs(1, total));
    expect(a.state(id)).toEqual({ lastSeq: total, pending: [] });
    // The node died under some of them: those were sent again, with the same id.
    expect(retried.size).toBeGreaterThan(0);

    // Stored once each, in that order; both users were handed each message once, in order.
    const { items: stored, hasMore } = await b.history(id, { limit: 100, before: total + 1 });
    expect(hasMore).toBe(false);
    expect(stored.map((m) => m.content)).toEqual(resolved.map((r) => r.message.content));
    expect(new Set(stored.map((m) => m.clientMessageId)).size).toBe(total);
    await expectEventually(() => expect(bobHeard.map((m) => m.seq)).toEqual(seqs(1, total)));
    expect(aliceHeard.map((m) => m.seq)).toEqual(seqs(1, total));

    nodes = [n2, await startNode(CLUSTER_ENV)];
    await awaitClusterView(nodes);
  }, 120_000);

  it('catches up after being offline: sync on reconnect, paging while hasMore', async () => {
    const [n1, n2] = nodes;
    const [alice, bob] = await Promise.all([ApiUser.create(n1.url), ApiUser.create(n1.url)]);
    const id = await group(alice, [bob]);
    let upstreams = [n1.url];
    const lb = await startBalancer(() => upstreams);
    balancers.push(lb);
    const b = client(lb.url, bob.id);
    const bobHeard = heard(b);
    await live(b);
    await b.conversations(); // tracks the group from its lastSeq (0)
    const statuses: string[] = [];
    b.on('status', ({ status }) => statuses.push(status));

    // The network goes away; 250 messages are sent meanwhile (the server pages sync by 100).
    upstreams = [];
    const offline = nextStatus(b, 'connecting');
    lb.cut();
    await offline;
    for (let i = 1; i <= 250; i++) {
      expect((await alice.post(`/conversations/${id}/messages`, { content: `o${i}` })).status).toBe(
        201,
      );
    }
    expect(bobHeard).toEqual([]);
    upstreams = [n2.url];

    await expectEventually(() => expect(bobHeard.length).toBe(250));
    expect(bobHeard.map((m) => m.seq)).toEqual(seqs(1, 250));
    expect(bobHeard.map((m) => m.content)).toEqual(seqs(1, 250).map((i) => `o${i}`));
    expect(statuses).toEqual(['connecting', 'live']);
    // And live delivery goes on from there.
    await alice.post(`/conversations/${id}/messages`, { content: 'after' });
    await expectEventually(() => expect(bobHeard.at(-1)).toMatchObject({ seq: 251 }));
    expect(b.cursors()[id]).toBe(251);
  }, 90_000);

  it('refreshes its token before expiry and reconnects with it, never cut by the server', async () => {
    const [n1, n2] = nodes;
    const [alice, bob] = await Promise.all([ApiUser.create(n1.url), ApiUser.create(n1.url)]);
    const id = await group(alice, [bob]);
    let fetched = 0;
    const b = client(n2.url, bob.id, {
      // 6 s tokens, renewed half-way (a token shorter than twice the margin).
      getToken: () => (fetched++, tokenFor(bob.id, { expiresIn: 6 })),
    });
    const reasons: string[] = [];
    b.on('status', ({ reason }) => reason && reasons.push(reason));
    const bobHeard = heard(b);
    await live(b);
    b.track(id);

    // Past the first token's expiry (6 s), after two refreshes, on a socket that stayed usable.
    const firstExpired = Date.now() + 6500;
    await expectEventually(
      () => {
        expect(Date.now()).toBeGreaterThan(firstExpired);
        expect(fetched).toBeGreaterThanOrEqual(3);
      },
      { timeoutMs: 30_000 },
    );
    await live(b);
    await alice.post(`/conversations/${id}/messages`, { content: 'still here' });
    await expectEventually(() => expect(bobHeard.map((m) => m.content)).toEqual(['still here']));
    expect(await b.send(id, 'me too')).toMatchObject({ seq: 2, senderId: bob.id });
    expect(reasons.length).toBeGreaterThanOrEqual(2);
    expect(reasons.every((r) => r === 'io client disconnect')).toBe(true);
  }, 60_000);

  it('throttles typing and stops it, coalesces markRead, and re-subscribes presence after a reconnect', async () => {
    const [n1, n2] = nodes;
    const [alice, bob] = await Promise.all([ApiUser.create(n1.url), ApiUser.create(n1.url)]);
    const id = await group(alice, [bob]);
    const lb = await startBalancer(() => [n1.url]);
    balancers.push(lb);
    const a = client(lb.url, alice.id, { typingIdleMs: 500 });
    const b = client(n2.url, bob.id);
    await Promise.all([live(a), live(b)]);
    a.track(id);
    b.track(id);

    // Typing: ten keystrokes are one `true` for bob, then one `false` once alice is quiet.
    const typing: boolean[] = [];
    b.on('typing', (t) => t.userId === alice.id && typing.push(t.isTyping));
    for (let i = 0; i < 10; i++) a.typing(id);
    await expectEventually(() => expect(typing).toEqual([true, false]));
    expect(b.typists(id)).toEqual([]);

    // Receipts: ten markRead calls become one read command carrying the highest seq.
    for (let i = 1; i <= 10; i++) await a.send(id, `r${i}`);
    await expectEventually(() => expect(b.state(id)?.lastSeq).toBe(10));
    const readsBefore = await readsStaged();
    const receipts: number[] = [];
    a.on('receipt', (r) => r.type === 'read' && r.userId === bob.id && receipts.push(r.seq));
    for (let seq = 1; seq <= 10; seq++) b.markRead(id, seq);
    await expectEventually(() => expect(receipts.at(-1)).toBe(10));
    expect((await readsStaged()) - readsBefore).toBe(1);

    // Presence: alice follows bob, loses her connection, and still hears him go offline.
    expect(await a.subscribePresence([bob.id])).toEqual({
      [bob.id]: { status: 'online', lastSeenAt: null },
    });
    const presence: string[] = [];
    a.on('presence', (p) => p.userId === bob.id && presence.push(p.status));
    const dropped = nextStatus(a, 'connecting');
    lb.cut();
    await dropped;
    await live(a);
    b.close();
    await expectEventually(() => expect(presence).toEqual(['offline']));
    expect(a.presence(bob.id)?.status).toBe('offline');
  }, 60_000);

  it('follows a conversation it is added to from that point, and forgets one it is removed from', async () => {
    const [n1, n2] = nodes;
    const [alice, bob, carol] = await Promise.all([0, 1, 2].map(() => ApiUser.create(n1.url)));
    const id = await group(alice, [bob]);
    for (let i = 1; i <= 5; i++)
      await alice.post(`/conversations/${id}/messages`, { content: `before ${i}` });
    const c = client(n2.url, carol.id);
    const carolHeard = heard(c);
    await live(c);
    const added = new Promise((resolve) => c.once('conversation:updated', resolve));
    await alice.patch(`/conversations/${id}`, { addParticipants: [carol.id] });
    await added;
    expect(c.state(id)).toEqual({ lastSeq: 5, pending: [] });
    await alice.post(`/conversations/${id}/messages`, { content: 'welcome' });
    await expectEventually(() => expect(carolHeard.map((m) => m.content)).toEqual(['welcome']));
    const removed = new Promise((resolve) => c.once('conversation:updated', resolve));
    await alice.patch(`/conversations/${id}`, { removeParticipants: [carol.id] });
    await removed;
    expect(c.state(id)).toBeUndefined();
  });

  it('rejects a refused send at once, without retrying it', async () => {
    const [n1] = nodes;
    const alice = await ApiUser.create(n1.url);
    const a = client(n1.url, alice.id);
    await live(a);
    const notMine = await group(await ApiUser.create(n1.url), [await ApiUser.create(n1.url)]);
    const failed: string[] = [];
    a.on('pending:failed', ({ error }) => failed.push(error.code));
    await expect(a.send(notMine, 'hi')).rejects.toMatchObject({ code: 'not_found' });
    expect(failed).toEqual(['not_found']);
    expect(a.state(notMine)).toBeUndefined();
    await expect(a.conversation(randomUUID().replace(/-/g, '').slice(0, 24))).rejects.toMatchObject(
      { code: 'not_found', status: 404 },
    );
  });

  /** Read receipts staged by the conversations' owners, summed over the live nodes. */
  async function readsStaged(): Promise<number> {
    let sum = 0;
    for (const node of nodes) {
      const text = await (await fetch(`${node.url}/metrics`)).text();
      const m = /^parley_receipts_received_total\{type="read"\} (\d+)/m.exec(text);
      sum += m ? Number(m[1]) : 0;
    }
    return sum;
  }
});

describe('@parley/client retries rate-limited sends', () => {
  let node: NodeProcess;
  const clients: ParleyClient[] = [];
  beforeAll(async () => {
    node = await startNode({ SEND_RATE_BURST: '3', SEND_RATE_PER_SECOND: '4' });
  }, 60_000);
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await stopNode(node);
  });

  it('waits retryAfterMs and stores every send once, in order', async () => {
    const [alice, bob] = await Promise.all([ApiUser.create(node.url), ApiUser.create(node.url)]);
    const res = await alice.post('/conversations', { type: 'private', participants: [bob.id] });
    const a = connect({ url: node.url, getToken: () => tokenFor(alice.id) });
    clients.push(a);
    const limited: number[] = [];
    a.on('pending:retry', ({ error }) => {
      if (error.code === 'rate_limited') limited.push(error.retryAfterMs ?? -1);
    });
    const stored = await Promise.all(
      Array.from({ length: 8 }, (_, i) => a.send(res.body.id, `burst ${i}`)),
    );
    expect(stored.map((m) => m.seq)).toEqual(seqs(1, 8));
    expect(stored.map((m) => m.content)).toEqual(seqs(0, 7).map((i) => `burst ${i}`));
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((ms) => ms > 0)).toBe(true);
  });
});

// A private redis-server: stopping the stack's shared one would disturb other runs.
describe('@parley/client when its node loses Redis', () => {
  let redis: ChildProcess | undefined;
  let port: number;
  const pair: NodeProcess[] = [];
  const clients: ParleyClient[] = [];
  const runRedis = () => runRedisServer(port);
  beforeAll(async () => {
    port = await freePort();
    redis = await runRedis();
    const env = { REDIS_URL: `redis://127.0.0.1:${port}` };
    pair.push(...(await Promise.all([0, 1].map(() => startNode(env)))));
    await awaitClusterView(pair);
  }, 120_000);
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all(pair.map(stopNode));
    redis?.kill('SIGKILL');
  }, 60_000);

  it('syncs what the node missed when told sync:required, then goes on live', async () => {
    const [n1, n2] = pair;
    const [alice, bob] = await Promise.all([ApiUser.create(n1.url), ApiUser.create(n1.url)]);
    let id: string;
    do {
      const res = await alice.post('/conversations', {
        type: 'group',
        name: 'outage',
        participants: [bob.id],
      });
      id = res.body.id;
    } while (ownerOf(id, [n1.nodeId, n2.nodeId]) !== n1.nodeId);
    const b = connect({ url: n2.url, getToken: () => tokenFor(bob.id) });
    clients.push(b);
    const bobHeard: number[] = [];
    b.on('message', (m) => bobHeard.push(m.seq));
    const synced: number[] = [];
    b.on('synced', (s) => s.conversationId === id && synced.push(s.lastSeq));
    await expectEventually(() => expect(b.status).toBe('live'));
    await b.conversations();
    const statuses: string[] = [];
    b.on('status', ({ status }) => statuses.push(status));

    // Redis goes away: the owner stores alice's messages, but their broadcast never reaches n2.
    redis!.kill('SIGKILL');
    await new Promise((r) => redis!.once('exit', r));
    for (let i = 1; i <= 3; i++) {
      await expectEventually(async () => {
        const res = await alice.post(`/conversations/${id}/messages`, {
          content: `dark ${i}`,
          clientMessageId: `dark-${i}`,
        });
        expect([200, 201]).toContain(res.status);
      });
    }
    expect(bobHeard).toEqual([]);
    redis = await runRedis();

    await expectEventually(() => expect(bobHeard).toEqual([1, 2, 3]), { timeoutMs: 30_000 });
    // Bob's socket never dropped: the sync came from the node's sync:required.
    expect(statuses).toEqual([]);
    expect(synced).toContain(3);
    await expectEventually(async () => {
      const res = await alice.post(`/conversations/${id}/messages`, {
        content: 'light',
        clientMessageId: 'light',
      });
      expect([200, 201]).toContain(res.status);
    });
    await expectEventually(() => expect(bobHeard).toEqual([1, 2, 3, 4]));
  }, 90_000);
});
