import { randomUUID } from 'node:crypto';
import { ApiUser } from '../support/http';
import { NodeProcess, startNode, stopNode } from '../support/node-process';
import {
  ChatClient,
  collect,
  connectReady,
  emitWithAck,
  expectNoEvent,
  waitForEvent,
} from '../support/socket';

// Fast crash detection: a SIGKILLed node leaves the others' view within ~2 s.
const FAST_CLUSTER = { CLUSTER_HEARTBEAT_MS: '300', CLUSTER_NODE_TTL_MS: '1500' };
const DEBOUNCE_MS = 1500; // PRESENCE_OFFLINE_DEBOUNCE_MS default

describe('typing and presence across two nodes (built service, real stack)', () => {
  let nodes: NodeProcess[] = [];
  const open: ChatClient[] = [];

  beforeAll(async () => {
    nodes = await Promise.all([0, 1].map(() => startNode(FAST_CLUSTER)));
  }, 120_000);
  afterAll(async () => {
    open.forEach((s) => s.disconnect());
    const codes = await Promise.all(nodes.map(stopNode));
    expect(codes).toEqual(nodes.map(() => 0));
  }, 60_000);

  const user = () => ApiUser.create(nodes[0].url);
  const connect = (node: NodeProcess, u: ApiUser) => connectReady(node.url, u.id, open);
  const group = async (admin: ApiUser, members: ApiUser[]) => {
    const res = await admin.post('/conversations', {
      type: 'group',
      name: 'team',
      participants: members.map((m) => m.id),
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const subscribe = async (socket: ChatClient, userIds: string[]) => {
    const ack = await emitWithAck(socket, 'presence:subscribe', { userIds });
    if (!ack.ok) throw new Error(`presence:subscribe refused: ${JSON.stringify(ack.error)}`);
    return ack.data;
  };

  describe('typing', () => {
    it('reaches members on the other node, never the typist’s own devices', async () => {
      const [alice, bob] = await Promise.all([user(), user()]);
      const id = await group(alice, [bob]);
      const [a1, a2, b] = await Promise.all([
        connect(nodes[0], alice),
        connect(nodes[1], alice),
        connect(nodes[1], bob),
      ]);
      const heard = waitForEvent(b, 'typing');
      const echoes = [collect(a1, 'typing'), collect(a2, 'typing')];
      const ack = await emitWithAck(a1, 'typing', { conversationId: id, isTyping: true });
      expect(ack).toEqual({ ok: true, data: {} });
      expect(await heard).toEqual({ conversationId: id, userId: alice.id, isTyping: true });

      const stopped = waitForEvent(b, 'typing', (t) => !t.isTyping);
      await emitWithAck(a1, 'typing', { conversationId: id, isTyping: false });
      expect(await stopped).toEqual({ conversationId: id, userId: alice.id, isTyping: false });
      await expectNoEvent(a2, 'typing');
      expect(echoes).toEqual([[], []]);
    }, 30_000);

    // When (TYPING_TIMEOUT_MS after the last "typing", at most 6 s) is proven with a fake
    // clock in typing.service.spec.ts and config.spec.ts; here, that the server stops it.
    it('stops a typist who goes quiet, without a word from the typist', async () => {
      const [alice, bob] = await Promise.all([user(), user()]);
      const id = await group(alice, [bob]);
      const [a, b] = await Promise.all([connect(nodes[0], alice), connect(nodes[1], bob)]);
      const heard = collect(b, 'typing');
      const stopped = waitForEvent(b, 'typing', (t) => !t.isTyping, 20_000);
      await emitWithAck(a, 'typing', { conversationId: id, isTyping: true });
      expect(await stopped).toEqual({ conversationId: id, userId: alice.id, isTyping: false });
      expect(heard).toEqual([
        { conversationId: id, userId: alice.id, isTyping: true },
        { conversationId: id, userId: alice.id, isTyping: false },
      ]);
      expect(a.connected).toBe(true); // the stop came from the timer, not from a disconnect
    }, 30_000);

    it('turns 20 typing events in half a second into at most 3 for the others', async () => {
      const [alice, bob, carol] = await Promise.all([user(), user(), user()]);
      const id = await group(alice, [bob, carol]);
      const [a, b, c] = await Promise.all([
        connect(nodes[0], alice),
        connect(nodes[1], bob),
        connect(nodes[0], carol),
      ]);
      const seen = [collect(b, 'typing'), collect(c, 'typing')];
      const acks: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) {
        acks.push(emitWithAck(a, 'typing', { conversationId: id, isTyping: true }));
        await new Promise((r) => setTimeout(r, 25));
      }
      await Promise.all(acks);
      const stopped = [b, c].map((s) => waitForEvent(s, 'typing', (t) => !t.isTyping));
      await emitWithAck(a, 'typing', { conversationId: id, isTyping: false });
      await Promise.all(stopped);
      for (const events of seen) {
        const starts = events.filter((t) => t.isTyping).length;
        expect(starts).toBeGreaterThanOrEqual(1);
        expect(events.length).toBeLessThanOrEqual(3);
      }
    }, 30_000);

    it('answers not_found to a non-member, and nobody hears it', async () => {
      const [alice, bob, eve] = await Promise.all([user(), user(), user()]);
      const id = await group(alice, [bob]);
      const [a, b, e] = await Promise.all([
        connect(nodes[0], alice),
        connect(nodes[1], bob),
        connect(nodes[0], eve),
      ]);
      const heard = collect(b, 'typing');
      const intrusion = await emitWithAck(e, 'typing', { conversationId: id, isTyping: true });
      expect(intrusion).toEqual({
        ok: false,
        error: { code: 'not_found', message: 'conversation not found' },
      });
      const invalid = await emitWithAck(e, 'typing', { conversationId: id, isTyping: 'yes' });
      expect(invalid).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      await expectNoEvent(b, 'typing');
      await expectNoEvent(a, 'typing', 100);
      expect(heard).toEqual([]);
    }, 30_000);
  });

  describe('presence', () => {
    it('answers online for a connected co-member and leaves a stranger out', async () => {
      const [alice, bob, stranger] = await Promise.all([user(), user(), user()]);
      await group(alice, [bob]);
      const [, b] = await Promise.all([
        connect(nodes[0], alice),
        connect(nodes[1], bob),
        connect(nodes[1], stranger),
      ]);
      const answer = await subscribe(b, [alice.id, stranger.id, randomUUID()]);
      expect(answer).toEqual({ [alice.id]: { status: 'online', lastSeenAt: null } });

      const tooMany = Array.from({ length: 501 }, () => randomUUID());
      const refused = await emitWithAck(b, 'presence:subscribe', { userIds: tooMany });
      expect(refused).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }, 30_000);

    it('keeps a user online while a second device stays connected', async () => {
      const [alice, bob] = await Promise.all([user(), user()]);
      await group(alice, [bob]);
      const [a1, , b] = await Promise.all([
        connect(nodes[0], alice),
        connect(nodes[1], alice),
        connect(nodes[1], bob),
      ]);
      expect((await subscribe(b, [alice.id]))[alice.id].status).toBe('online');
      a1.disconnect();
      await expectNoEvent(b, 'presence', DEBOUNCE_MS + 1500);
      expect(await subscribe(b, [alice.id])).toEqual({
        [alice.id]: { status: 'online', lastSeenAt: null },
      });
    }, 30_000);

    it('pushes offline with lastSeenAt after the debounce, and online again on return', async () => {
      const [alice, bob] = await Promise.all([user(), user()]);
      await group(alice, [bob]);
      const [a, b] = await Promise.all([connect(nodes[0], alice), connect(nodes[1], bob)]);
      await subscribe(b, [alice.id]);
      const offline = waitForEvent(b, 'presence', (p) => p.status === 'offline', 8000);
      const leftAt = Date.now();
      a.disconnect();
      const change = await offline;
      const pushedAt = Date.now();
      expect(change).toEqual({
        userId: alice.id,
        status: 'offline',
        lastSeenAt: expect.any(String),
      });
      // lastSeenAt is when she left (not when offline was pushed): after the disconnect, and
      // a debounce before the push (one clock, this machine's; 200 ms for timer rounding).
      const lastSeenAt = Date.parse(change.lastSeenAt!);
      expect(lastSeenAt).toBeGreaterThanOrEqual(leftAt);
      expect(pushedAt - lastSeenAt).toBeGreaterThanOrEqual(DEBOUNCE_MS - 200);
      expect(await subscribe(b, [alice.id])).toEqual({
        [alice.id]: { status: 'offline', lastSeenAt: change.lastSeenAt },
      });

      const online = waitForEvent(b, 'presence', (p) => p.status === 'online');
      await connect(nodes[1], alice);
      expect(await online).toEqual({ userId: alice.id, status: 'online', lastSeenAt: null });
    }, 30_000);

    it('pushes nothing for a connection that flaps within the debounce window', async () => {
      const [alice, bob] = await Promise.all([user(), user()]);
      await group(alice, [bob]);
      const [a, b] = await Promise.all([connect(nodes[0], alice), connect(nodes[1], bob)]);
      await subscribe(b, [alice.id]);
      const pushed = collect(b, 'presence');
      a.disconnect();
      await connect(nodes[1], alice); // back, on the other node
      await expectNoEvent(b, 'presence', DEBOUNCE_MS + 1500);
      expect(pushed).toEqual([]);
    }, 30_000);

    it('counts typing and presence in /metrics', async () => {
      const text = await (await fetch(`${nodes[0].url}/metrics`)).text();
      expect(text).toMatch(/^parley_typing_received_total [1-9]/m);
      expect(text).toMatch(/^parley_typing_emitted_total\{is_typing="true"\} [1-9]/m);
      expect(text).toMatch(/^parley_typing_throttled_total [1-9]/m);
      expect(text).toMatch(/^parley_presence_changes_total\{status="online"\} [1-9]/m);
      expect(text).toMatch(/^parley_presence_subscriptions \d+/m);
    });

    it('takes the users of a SIGKILLed node offline at their subscribers within 10 s', async () => {
      const doomed = await startNode(FAST_CLUSTER);
      try {
        const [alice, bob] = await Promise.all([user(), user()]);
        await group(alice, [bob]);
        const [, b] = await Promise.all([connect(doomed, alice), connect(nodes[0], bob)]);
        expect(await subscribe(b, [alice.id])).toEqual({
          [alice.id]: { status: 'online', lastSeenAt: null },
        });
        const offline = waitForEvent(b, 'presence', (p) => p.status === 'offline', 10_000);
        doomed.child.kill('SIGKILL');
        expect(await offline).toMatchObject({ userId: alice.id, status: 'offline' });
      } finally {
        doomed.child.kill('SIGKILL');
        await doomed.exited;
      }
    }, 60_000);
  });
});
