import { ApiUser } from '../support/http';
import { awaitClusterView, NodeProcess, startNode, stopNode } from '../support/node-process';
import { ChatClient, collect, connectReady, emitWithAck } from '../support/socket';
import { expectEventually } from '../support/eventually';

describe('read and delivered receipts and unread counts across two nodes', () => {
  let nodes: NodeProcess[] = [];
  const sockets: ChatClient[] = [];

  beforeAll(async () => {
    nodes = await Promise.all([startNode(), startNode()]);
    await awaitClusterView(nodes);
  }, 90_000);
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await Promise.all(nodes.map(stopNode));
  });

  const connect = (node: NodeProcess, user: ApiUser) => connectReady(node.url, user.id, sockets);

  async function pair() {
    const [alice, bob] = await Promise.all([
      ApiUser.create(nodes[0].url),
      ApiUser.create(nodes[1].url),
    ]);
    const res = await alice.post('/conversations', { type: 'private', participants: [bob.id] });
    return { alice, bob, id: res.body.id as string };
  }

  const unread = async (user: ApiUser, id: string) =>
    (await user.get('/conversations?limit=100')).body.items.find((c: { id: string }) => c.id === id)
      ?.unreadCount;
  /** The conversation list follows a send within moments (its summary is written after the ack). */
  const expectUnread = (user: ApiUser, id: string, n: number) =>
    expectEventually(async () => expect(await unread(user, id)).toBe(n));

  it('tells the sender on another node that their messages were delivered, then read', async () => {
    const { alice, bob, id } = await pair();
    const a = await connect(nodes[0], alice);
    const b = await connect(nodes[1], bob);
    const receipts = collect(a, 'receipt');
    const heard = collect(b, 'message:new');
    const sent = await emitWithAck(a, 'message:send', {
      conversationId: id,
      content: 'hi',
      clientMessageId: 'r1',
    });
    expect(sent.ok).toBe(true);
    await expectEventually(() => expect(heard.map((m) => m.seq)).toEqual([1]));

    expect(await emitWithAck(b, 'delivered', { conversationId: id, seq: 1 })).toEqual({
      ok: true,
      data: { deliveredSeq: 1 },
    });
    expect(await emitWithAck(b, 'read', { conversationId: id, seq: 1 })).toEqual({
      ok: true,
      data: { readSeq: 1 },
    });
    await expectEventually(() =>
      expect(receipts.map((r) => [r.userId, r.type, r.seq])).toEqual([
        [bob.id, 'delivered', 1],
        [bob.id, 'read', 1],
      ]),
    );
    // The message itself now says who has it.
    const [message] = (await alice.get(`/conversations/${id}/messages`)).body.items;
    expect(message).toMatchObject({ deliveredTo: [bob.id], readBy: [bob.id] });
  });

  it('counts unread messages: 5, then 2 after reading 3, then 0; never negative or backwards', async () => {
    const { alice, bob, id } = await pair();
    const b = await connect(nodes[1], bob);
    for (let i = 1; i <= 5; i++)
      await alice.post(`/conversations/${id}/messages`, { content: `m${i}` });
    await expectUnread(bob, id, 5);
    await expectUnread(alice, id, 0);

    expect(await emitWithAck(b, 'read', { conversationId: id, seq: 3 })).toEqual({
      ok: true,
      data: { readSeq: 3 },
    });
    await expectUnread(bob, id, 2);
    // Backwards is ignored, past the end is clamped.
    expect(await emitWithAck(b, 'read', { conversationId: id, seq: 1 })).toEqual({
      ok: true,
      data: { readSeq: 3 },
    });
    expect(await emitWithAck(b, 'read', { conversationId: id, seq: 99 })).toEqual({
      ok: true,
      data: { readSeq: 5 },
    });
    await expectUnread(bob, id, 0);
    expect((await bob.get(`/conversations/${id}`)).body).toMatchObject({
      readSeq: 5,
      deliveredSeq: 5,
    });

    // A deleted unread message stops counting; a new one counts.
    const m6 = await alice.post(`/conversations/${id}/messages`, { content: 'm6' });
    await alice.post(`/conversations/${id}/messages`, { content: 'm7' });
    await expectUnread(bob, id, 2);
    await alice.delete(`/conversations/${id}/messages/${m6.body.id}`);
    await expectUnread(bob, id, 1);
  });

  it('shows a group sender counts of who has and who read each message, on every read path', async () => {
    const [ann, ben, cat] = await Promise.all([0, 1, 0].map((i) => ApiUser.create(nodes[i].url)));
    const created = await ann.post('/conversations', {
      type: 'group',
      name: 'status',
      participants: [ben.id, cat.id],
    });
    const id = created.body.id as string;
    for (let i = 1; i <= 3; i++)
      await ann.post(`/conversations/${id}/messages`, { content: `g${i}` });
    const b = await connect(nodes[1], ben);
    const c = await connect(nodes[0], cat);
    expect(await emitWithAck(b, 'read', { conversationId: id, seq: 2 })).toMatchObject({
      ok: true,
    });
    expect(await emitWithAck(c, 'delivered', { conversationId: id, seq: 3 })).toMatchObject({
      ok: true,
    });
    const counts = (items: { deliveredTo: string[]; readBy: string[] }[]) =>
      items.map((m) => [m.deliveredTo.length, m.readBy.length]);
    const expected = [
      [2, 1],
      [2, 1],
      [1, 0],
    ];
    // The newest page (the owner's memory), an older window (the database) and sync agree.
    expect(counts((await ann.get(`/conversations/${id}/messages`)).body.items)).toEqual(expected);
    expect(counts((await ann.get(`/conversations/${id}/messages?after=0`)).body.items)).toEqual(
      expected,
    );
    const synced = await emitWithAck(c, 'sync', { cursors: { [id]: 0 } });
    expect(synced.ok && counts(synced.data[id].messages)).toEqual(expected);
    expect((await ann.get(`/conversations/${id}/messages`)).body.items[0].readBy).toEqual([ben.id]);
    // Receipts in and coalesced writes out are counted on the owner.
    const metric = async (name: string) => {
      let sum = 0;
      for (const node of nodes) {
        const text = await (await fetch(`${node.url}/metrics`)).text();
        for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'gm')))
          sum += Number(m[1]);
      }
      return sum;
    };
    expect(await metric('parley_receipt_writes_total')).toBeGreaterThan(0);
    expect(await metric('parley_receipts_received_total')).toBeGreaterThanOrEqual(
      await metric('parley_receipt_writes_total'),
    );
    expect(await metric('parley_receipt_events_total')).toBeGreaterThanOrEqual(2);
  });

  it('answers not_found to a non-member and moves nothing', async () => {
    const { alice, id } = await pair();
    const eve = await ApiUser.create(nodes[0].url);
    const e = await connect(nodes[0], eve);
    await alice.post(`/conversations/${id}/messages`, { content: 'x' });
    for (const event of ['read', 'delivered'] as const) {
      expect(await emitWithAck(e, event, { conversationId: id, seq: 1 })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    }
    expect(await emitWithAck(e, 'read', { conversationId: id, seq: -1 })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
  });
});
