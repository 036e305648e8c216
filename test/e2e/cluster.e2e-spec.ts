import { ownerOf } from '../../src/cluster/rendezvous';
import { expectEventually } from '../support/eventually';
import { ApiUser } from '../support/http';
import { history, sendUntilStored, Stored } from '../support/messages';
import { awaitClusterView, NodeProcess, startNode, stopNode } from '../support/node-process';
import { ChatClient, collect, connectClient, emitWithAck } from '../support/socket';
import { tokenFor } from '../support/tokens';

/** Fast failure detection so a crashed owner is replaced within a couple of seconds. */
const CLUSTER_ENV = {
  CLUSTER_HEARTBEAT_MS: '300',
  CLUSTER_NODE_TTL_MS: '1500',
  CLUSTER_REQUEST_TIMEOUT_MS: '2000',
  SEND_RATE_BURST: '10000',
  SEND_RATE_PER_SECOND: '10000',
};

describe('one owner per conversation across nodes (built service, real stack)', () => {
  const nodes: NodeProcess[] = [];
  const sockets: ChatClient[] = [];

  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.disconnect());
    await Promise.all(nodes.splice(0).map(stopNode));
  }, 60_000);

  async function cluster(n: number): Promise<NodeProcess[]> {
    nodes.push(...(await Promise.all(Array.from({ length: n }, () => startNode(CLUSTER_ENV)))));
    // Every node sees the whole cluster before the test starts routing.
    await awaitClusterView(nodes);
    return nodes;
  }

  async function connect(node: NodeProcess, user: ApiUser): Promise<ChatClient> {
    const socket = await connectClient(node.url, await tokenFor(user.id));
    sockets.push(socket);
    // What a client does on every connect: sync. Its answer also means the socket's rooms
    // are live on this node, so nothing broadcast from now on can pass it by.
    expect(await emitWithAck(socket, 'sync', { cursors: {} })).toEqual({ ok: true, data: {} });
    return socket;
  }

  /** A group whose actor lives on `owner` (rendezvous over the live node ids). */
  async function groupOwnedBy(owner: NodeProcess, admin: ApiUser, members: ApiUser[]) {
    const ids = nodes.map((n) => n.nodeId);
    for (;;) {
      const res = await admin.post('/conversations', {
        type: 'group',
        name: 'cluster',
        participants: members.map((m) => m.id),
      });
      if (ownerOf(res.body.id, ids) === owner.nodeId) return res.body.id as string;
    }
  }

  const seqs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('orders 200 concurrent sends from two nodes identically for every client on every node', async () => {
    const [n1, n2, n3] = await cluster(3);
    const [alice, bob, carol] = await Promise.all([0, 1, 2].map(() => ApiUser.create(n1.url)));
    const id = await groupOwnedBy(n3, alice, [bob, carol]);
    const [a, b, c] = await Promise.all([connect(n1, alice), connect(n2, bob), connect(n3, carol)]);
    const heard = [a, b, c].map((s) => collect(s, 'message:new'));

    const acks = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        emitWithAck(i % 2 ? b : a, 'message:send', {
          conversationId: id,
          content: `m${i}`,
          clientMessageId: `k${i}`,
        }),
      ),
    );
    expect(acks.every((ack) => ack.ok)).toBe(true);
    const acked = acks.map((ack) => (ack.ok ? (ack.data as Stored).seq : 0));
    expect([...acked].sort((x, y) => x - y)).toEqual(seqs(200));

    await expectEventually(() => heard.forEach((h) => expect(h).toHaveLength(200)));
    for (const h of heard) expect(h.map((m) => m.seq)).toEqual(seqs(200));
    expect(heard[0].map((m) => m.id)).toEqual(heard[2].map((m) => m.id));
    expect((await history(carol, id)).map((m) => m.seq)).toEqual(seqs(200));
  }, 120_000);

  it('keeps every acknowledged message, once, when the owner is SIGKILLed mid-conversation', async () => {
    const [n1, n2, n3] = await cluster(3);
    const [alice, bob] = await Promise.all([0, 1].map(() => ApiUser.create(n2.url)));
    const id = await groupOwnedBy(n1, alice, [bob]);
    // alice sends through the owner itself, bob through a node that forwards to it.
    let aliceSocket = await connect(n1, alice);
    const bobSocket = await connect(n2, bob);
    const acked = new Map<string, Stored>();
    const total = 60;

    const send = async (who: 'a' | 'b', i: number) => {
      const key = `${who}${i}`;
      const socket = who === 'a' ? () => aliceSocket : () => bobSocket;
      acked.set(key, await sendUntilStored(socket, id, key));
    };
    const aliceLoop = (async () => {
      for (let i = 0; i < total; i++) await send('a', i);
    })();
    const bobLoop = (async () => {
      for (let i = 0; i < total; i++) await send('b', i);
    })();

    await expectEventually(() => expect(acked.size).toBeGreaterThanOrEqual(20), { intervalMs: 20 });
    n1.child.kill('SIGKILL');
    // alice's socket died with the node: she reconnects to a survivor and carries on,
    // re-sending whatever was not acknowledged with the same clientMessageId.
    aliceSocket = await connect(n3, alice);
    await Promise.all([aliceLoop, bobLoop]);
    nodes.splice(nodes.indexOf(n1), 1);

    const stored = await history(bob, id);
    expect(stored.map((m) => m.seq)).toEqual(seqs(2 * total));
    const keys = stored.map((m) => m.clientMessageId);
    expect(new Set(keys).size).toBe(keys.length);
    for (const [key, message] of acked) {
      expect(stored.find((m) => m.clientMessageId === key)).toMatchObject({
        id: message.id,
        seq: message.seq,
      });
    }
    // A late retry of an acknowledged send answers the original, storing nothing.
    const retry = await emitWithAck(bobSocket, 'message:send', {
      conversationId: id,
      content: 'b0',
      clientMessageId: 'b0',
    });
    expect(retry).toMatchObject({
      ok: true,
      data: { id: acked.get('b0')!.id, seq: acked.get('b0')!.seq },
    });
    expect((await history(bob, id)).length).toBe(2 * total);
  }, 120_000);

  it('drains a SIGTERMed owner without losing an acknowledged message', async () => {
    const [n1, n2] = await cluster(2);
    const [alice, bob] = await Promise.all([0, 1].map(() => ApiUser.create(n2.url)));
    const id = await groupOwnedBy(n1, alice, [bob]);
    const bobSocket = await connect(n2, bob);
    const heard = collect(bobSocket, 'message:new');
    const acked: Stored[] = [];
    const sending = (async () => {
      for (let i = 0; i < 80; i++) acked.push(await sendUntilStored(() => bobSocket, id, `t${i}`));
    })();
    await expectEventually(() => expect(acked.length).toBeGreaterThanOrEqual(20), {
      intervalMs: 20,
    });
    expect(await stopNode(n1)).toBe(0);
    nodes.splice(nodes.indexOf(n1), 1);
    await sending;

    const stored = await history(bob, id);
    expect(stored.map((m) => m.seq)).toEqual(seqs(80));
    expect(stored.map((m) => m.clientMessageId)).toEqual(acked.map((m) => m.clientMessageId));
    // Broadcasts kept coming from whichever node owned the conversation.
    await expectEventually(() => expect(new Set(heard.map((m) => m.seq)).size).toBe(80));
  }, 120_000);
});
