import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { expectEventually } from '../support/eventually';
import { ApiUser } from '../support/http';
import { history, sendUntilStored, Stored } from '../support/messages';
import {
  awaitClusterView,
  CLUSTER_PREFIX,
  freePort,
  NodeProcess,
  startNode,
  stopNode,
} from '../support/node-process';
import { runRedisServer } from '../support/redis-server';
import { stackEnv } from '../support/stack-env';
import { ChatClient, collect, connectClient, emitWithAck, waitForEvent } from '../support/socket';
import { tokenFor } from '../support/tokens';

const CLUSTER_ENV = {
  CLUSTER_HEARTBEAT_MS: '300',
  CLUSTER_NODE_TTL_MS: '1500',
  CLUSTER_REQUEST_TIMEOUT_MS: '3000',
  SEND_RATE_BURST: '100000',
  SEND_RATE_PER_SECOND: '100000',
};

/** The sharded adapter's channel of a conversation's room (see src/realtime/socket-io.adapter.ts). */
const roomChannel = (conversationId: string) =>
  `${CLUSTER_PREFIX}:socket.io#/chat#conv:${conversationId}#`;

const SEND = { ackTimeoutMs: 5000, giveUpMs: 60_000 };

const seqs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The storage path (group commit, caches in Redis) as clients see it, on the built service. */
describe('storage at scale (built service, real stack)', () => {
  const nodes: NodeProcess[] = [];
  const sockets: ChatClient[] = [];

  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.disconnect());
    await Promise.all(nodes.splice(0).map(stopNode));
  }, 60_000);

  async function cluster(n: number, env: Record<string, string> = {}) {
    for (let i = 0; i < n; i++) nodes.push(await startNode({ ...CLUSTER_ENV, ...env }));
    await awaitClusterView(nodes);
    return nodes;
  }

  async function connect(node: NodeProcess, user: ApiUser): Promise<ChatClient> {
    const socket = await connectClient(node.url, await tokenFor(user.id));
    sockets.push(socket);
    return socket;
  }

  async function metric(node: NodeProcess, name: string): Promise<number> {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  }

  it('stores every acknowledged send of 50 busy conversations once, gap-free, from two nodes', async () => {
    const [n1, n2] = await cluster(2);
    const [alice, bob] = await Promise.all([0, 1].map(() => ApiUser.create(n1.url)));
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await alice.post('/conversations', {
        type: 'group',
        name: `busy-${i}`,
        participants: [bob.id],
      });
      ids.push(res.body.id as string);
    }
    const [a, b] = await Promise.all([connect(n1, alice), connect(n2, bob)]);

    // In every conversation alice (node 1) and bob (node 2) each send one message after the
    // other: 100 senders at once, every conversation written from both nodes.
    const perConversation = 12;
    const sends = ids.flatMap((id) =>
      [a, b].map(async (socket, who) => {
        const mine: (readonly [string, Stored])[] = [];
        for (let i = who; i < perConversation; i += 2) {
          mine.push([id, await sendUntilStored(() => socket, id, `${id}-${i}`, SEND)]);
        }
        return mine;
      }),
    );
    const acked = (await Promise.all(sends)).flat();

    for (const id of ids) {
      const stored = await history(bob, id);
      expect(stored.map((m) => m.seq)).toEqual(seqs(perConversation));
      const mine = acked.filter(([c]) => c === id).map(([, m]) => m);
      expect(new Set(stored.map((m) => m.clientMessageId)).size).toBe(perConversation);
      for (const m of mine) {
        expect(stored.find((s) => s.clientMessageId === m.clientMessageId)).toMatchObject({
          id: m.id,
          seq: m.seq,
        });
      }
    }
    // The sends of several conversations shared flushes (group commit across actors).
    const shared = await Promise.all(
      [n1, n2].map(
        async (n) =>
          (await metric(n, 'parley_group_commit_batches_sum')) >
          (await metric(n, 'parley_group_commit_batches_count')),
      ),
    );
    expect(shared).toContain(true);
  }, 180_000);

  it('stores a group of 1,000 (the limit), which every member then finds in their list', async () => {
    const [n1, n2] = await cluster(2);
    const alice = await ApiUser.create(n1.url);
    const others = Array.from({ length: 999 }, () => randomUUID());
    const big = await alice.post('/conversations', {
      type: 'group',
      name: 'everyone',
      participants: others,
    });
    expect(big.status).toBe(201);
    expect(big.body.participants).toHaveLength(1000);
    const last = await ApiUser.create(n2.url, others[998]);
    const listed = await last.get('/conversations');
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([big.body.id]);
  }, 120_000);

  it('delivers to a socket as soon as it is connected, while the database is busy', async () => {
    const [n1, n2] = await cluster(2);
    const [alice, carol] = await Promise.all([0, 1].map(() => ApiUser.create(n1.url)));
    // Users who never connected: nothing of theirs is cached, so joining their rooms must
    // read the busy database.
    const readers = await Promise.all([0, 1, 2, 3, 4].map(() => ApiUser.create(n1.url)));
    const quiet: string[] = [];
    for (const reader of readers) {
      const res = await alice.post('/conversations', {
        type: 'private',
        participants: [reader.id],
      });
      quiet.push(res.body.id as string);
    }
    const busy = (
      await carol.post('/conversations', { type: 'group', name: 'load', participants: [alice.id] })
    ).body.id as string;
    const carolSocket = await connect(n2, carol);

    const redis = new Redis(stackEnv().REDIS_URL);
    let load = true;
    let n = 0;
    const loaders = Array.from({ length: 16 }, async () => {
      while (load) await sendUntilStored(() => carolSocket, busy, `load-${n++}`, SEND);
    });
    try {
      await expectEventually(() => expect(n).toBeGreaterThan(50), { intervalMs: 20 });
      for (let round = 0; round < 5; round++) {
        // No sync: the moment `connect` fires, what is sent from then on must arrive.
        const socket = await connect(round % 2 ? n1 : n2, readers[round]);
        // At that moment the node already listens to the conversation's room channel.
        expect(await redis.pubsub('SHARDNUMSUB', roomChannel(quiet[round]))).toEqual([
          roomChannel(quiet[round]),
          1,
        ]);
        const heard = waitForEvent(
          socket,
          'message:new',
          (m) => m.clientMessageId === `live-${round}`,
          30_000,
        );
        const sent = await alice.post(`/conversations/${quiet[round]}/messages`, {
          content: `live ${round}`,
          clientMessageId: `live-${round}`,
        });
        expect(sent.status).toBe(201);
        expect(await heard).toMatchObject({ seq: 1, senderId: alice.id });
        socket.disconnect();
      }
    } finally {
      load = false;
      await Promise.all(loaders);
      await redis.quit();
    }
  }, 180_000);

  it('loses nothing when Redis is flushed during traffic, and rebuilds rooms and caches', async () => {
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    const redisServer = await runRedisServer(port);
    const redis = new Redis(redisUrl);
    try {
      const [n1, n2] = await cluster(2, { REDIS_URL: redisUrl });
      const [alice, bob] = await Promise.all([0, 1].map(() => ApiUser.create(n1.url)));
      const id = (await alice.post('/conversations', { type: 'private', participants: [bob.id] }))
        .body.id as string;
      const a = await connect(n1, alice);
      const b = await connect(n2, bob);
      const heard = collect(b, 'message:new');
      const told = waitForEvent(b, 'sync:required', () => true, 30_000);

      const total = 80;
      const acked: Stored[] = [];
      const sending = (async () => {
        for (let i = 0; i < total; i++)
          acked.push(await sendUntilStored(() => a, id, `f${i}`, SEND));
      })();
      await expectEventually(() => expect(acked.length).toBeGreaterThanOrEqual(20), {
        intervalMs: 20,
      });
      await redis.flushall();
      await sending;

      // Bob's client was told to sync, and live messages plus sync hold everything acked.
      expect(await told).toEqual({});
      const cursor = Math.max(0, ...heard.map((m) => m.seq));
      const synced = await emitWithAck(b, 'sync', { cursors: { [id]: 0 } });
      expect(synced.ok).toBe(true);
      const all = new Set([
        ...heard.map((m) => m.seq),
        ...(synced.ok ? synced.data[id].messages.map((m) => m.seq) : []),
      ]);
      expect([...all].sort((x, y) => x - y)).toEqual(seqs(total));
      expect(cursor).toBeGreaterThan(0);
      expect((await history(bob, id)).map((m) => m.seq)).toEqual(seqs(total));

      // A new connection finds its rooms although Redis forgot them (rebuilt from MongoDB),
      // and the rebuilt cache is back in Redis.
      const again = await connect(n2, bob);
      const next = waitForEvent(again, 'message:new', (m) => m.clientMessageId === 'after', 30_000);
      await sendUntilStored(() => a, id, 'after', SEND);
      expect(await next).toMatchObject({ seq: total + 1 });
      expect(await redis.exists(`${CLUSTER_PREFIX}:uconv:{${bob.id}}`)).toBe(1);
    } finally {
      await Promise.all(nodes.splice(0).map(stopNode));
      await redis.quit();
      redisServer.kill('SIGKILL');
    }
  }, 180_000);
});
