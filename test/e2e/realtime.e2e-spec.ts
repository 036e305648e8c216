import { randomUUID } from 'node:crypto';
import { expectEventually } from '../support/eventually';
import { ApiUser } from '../support/http';
import { freePort, NodeProcess, startNode, stopNode } from '../support/node-process';
import { runRedisServer } from '../support/redis-server';
import {
  ChatClient,
  collect,
  ConnectError,
  connectClient,
  emitWithAck,
  expectNoEvent,
  waitForEvent,
} from '../support/socket';
import { expiredToken, forgedToken, tokenFor } from '../support/tokens';

const ALLOWED_ORIGIN = 'https://app.parley.test';

describe('realtime over Socket.IO across three nodes (built service, real stack)', () => {
  let nodes: NodeProcess[] = [];
  const open: ChatClient[] = [];

  beforeAll(async () => {
    // Node 3 alone has a browser allowlist, to check the Origin refusal.
    const envs: Record<string, string>[] = [{}, {}, { CORS_ORIGINS: ALLOWED_ORIGIN }];
    nodes = await Promise.all(envs.map((env) => startNode(env)));
  }, 120_000);
  afterAll(async () => {
    open.forEach((s) => s.disconnect());
    const codes = await Promise.all(nodes.map(stopNode));
    expect(codes).toEqual(nodes.map(() => 0));
  }, 60_000);

  const user = () => ApiUser.create(nodes[0].url);
  const connect = async (node: number, u: ApiUser) => {
    const socket = await connectClient(nodes[node].url, await tokenFor(u.id));
    open.push(socket);
    return socket;
  };
  const group = async (admin: ApiUser, members: ApiUser[]) => {
    const res = await admin.post('/conversations', {
      type: 'group',
      name: 'team',
      participants: members.map((m) => m.id),
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('the handshake was accepted');
      },
      (err: ConnectError) => err,
    );

  describe('handshake', () => {
    it.each([
      ['no token', async () => undefined, 'invalid token'],
      ['a forged token', () => forgedToken(randomUUID()), 'invalid token'],
      ['an expired token', () => expiredToken(randomUUID()), 'token expired'],
    ])('refuses %s with connect_error unauthorized', async (_, token, detail) => {
      const err = await refusal(connectClient(nodes[1].url, await token()));
      expect(err.message).toBe('unauthorized');
      expect(err.data).toEqual({ code: 'unauthorized', message: detail });
    });

    it('refuses a foreign Origin on a node with an allowlist, over WebSocket and polling', async () => {
      const token = await tokenFor(randomUUID());
      for (const transports of [['websocket'], ['polling']]) {
        const foreign = { transports, extraHeaders: { origin: 'https://evil.test' } };
        await refusal(connectClient(nodes[2].url, token, foreign));
        const allowed = { transports, extraHeaders: { origin: ALLOWED_ORIGIN } };
        const ok = await connectClient(nodes[2].url, token, allowed);
        ok.disconnect();
      }
      // No Origin header: not a browser, allowed.
      (await connectClient(nodes[2].url, token)).disconnect();
    });

    it('disconnects a socket when its token expires', async () => {
      const socket = await connectClient(
        nodes[1].url,
        await tokenFor(randomUUID(), { expiresIn: 2 }),
      );
      const reason = await new Promise((resolve) => socket.once('disconnect', resolve));
      expect(reason).toBe('io server disconnect');
    }, 10_000);
  });

  describe('messages', () => {
    it('delivers a send on node 1 to members on nodes 2 and 3 with the stored seq, echo included', async () => {
      const [alice, bob, carol] = await Promise.all([user(), user(), user()]);
      const id = await group(alice, [bob, carol]);
      const [a, b, c] = await Promise.all([connect(0, alice), connect(1, bob), connect(2, carol)]);
      const heard = [a, b, c].map((s) => waitForEvent(s, 'message:new'));

      const ack = await emitWithAck(a, 'message:send', {
        conversationId: id,
        content: ' hello ',
        clientMessageId: 'm-1',
      });
      expect(ack).toEqual({
        ok: true,
        data: expect.objectContaining({
          conversationId: id,
          seq: 1,
          senderId: alice.id,
          content: 'hello',
          clientMessageId: 'm-1',
        }),
      });
      const stored = ack.ok ? ack.data : undefined;
      expect(await Promise.all(heard)).toEqual([stored, stored, stored]);

      // Without a callback the command is still validated and applied.
      a.emit('message:send', { conversationId: id, content: 'no ack', clientMessageId: 'm-2' });
      expect(await waitForEvent(c, 'message:new', (m) => m.seq === 2)).toMatchObject({
        content: 'no ack',
      });
    }, 30_000);

    it('edits and deletes over the socket and broadcasts the change', async () => {
      const [alice, bob] = await Promise.all([user(), user()]);
      const id = await group(alice, [bob]);
      const [a, b] = await Promise.all([connect(0, alice), connect(1, bob)]);
      const sent = await emitWithAck(b, 'message:send', {
        conversationId: id,
        content: 'draft',
        clientMessageId: 'e-1',
      });
      const messageId = sent.ok ? sent.data.id : '';
      const updated = waitForEvent(a, 'message:updated');
      const edit = await emitWithAck(b, 'message:edit', {
        conversationId: id,
        messageId,
        content: 'final',
      });
      expect(edit).toMatchObject({ ok: true, data: { id: messageId, content: 'final' } });
      expect(await updated).toMatchObject({ id: messageId, content: 'final', seq: 1 });

      const notMine = await emitWithAck(a, 'message:edit', {
        conversationId: id,
        messageId,
        content: 'x',
      });
      expect(notMine).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const deleted = waitForEvent(a, 'message:deleted');
      expect(
        await emitWithAck(b, 'message:delete', { conversationId: id, messageId }),
      ).toMatchObject({
        ok: true,
        data: { id: messageId, content: null },
      });
      expect(await deleted).toMatchObject({ id: messageId, deletedAt: expect.any(String) });
    }, 30_000);

    it('answers validation_failed for a malformed payload and stores nothing', async () => {
      const [alice, bob] = await Promise.all([user(), user()]);
      const id = await group(alice, [bob]);
      const a = await connect(1, alice);
      const cases: [unknown, string][] = [
        [{ conversationId: id, content: 'x' }, 'clientMessageId'],
        [{ conversationId: id, content: '  ', clientMessageId: 'v' }, 'content'],
        [{ conversationId: 'nope', content: 'x', clientMessageId: 'v' }, 'conversationId'],
        [{ conversationId: id, content: 'x', clientMessageId: 'v', senderId: bob.id }, ''],
        [{ conversationId: id, content: { $gt: '' }, clientMessageId: 'v' }, 'content'],
        ['not an object', ''],
      ];
      for (const [payload, path] of cases) {
        const ack = await emitWithAck(a, 'message:send', payload);
        expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
        const details = ack.ok ? [] : (ack.error.details ?? []);
        expect(details.map((d) => d.path)).toContain(path);
      }
      expect((await alice.get(`/conversations/${id}/messages`)).body.items).toEqual([]);
    }, 30_000);

    it('answers not_found to a non-member, who hears nothing', async () => {
      const [alice, bob, eve] = await Promise.all([user(), user(), user()]);
      const id = await group(alice, [bob]);
      const [a, b, e] = await Promise.all([connect(0, alice), connect(1, bob), connect(2, eve)]);
      const intrusion = await emitWithAck(e, 'message:send', {
        conversationId: id,
        content: 'let me in',
        clientMessageId: 'x-1',
      });
      expect(intrusion).toEqual({
        ok: false,
        error: { code: 'not_found', message: 'conversation not found' },
      });
      const heard = waitForEvent(b, 'message:new');
      await emitWithAck(a, 'message:send', {
        conversationId: id,
        content: 'hi',
        clientMessageId: 'x-2',
      });
      expect((await heard).seq).toBe(1);
      await expectNoEvent(e, 'message:new');
    }, 30_000);
  });

  describe('membership changes reach connected sockets on every node', () => {
    it('joins participants of a conversation created after they connected', async () => {
      const [alice, bob, carol] = await Promise.all([user(), user(), user()]);
      const [a, b, c] = await Promise.all([connect(0, alice), connect(1, bob), connect(2, carol)]);
      const created = [b, c].map((s) => waitForEvent(s, 'conversation:created'));
      const id = await group(alice, [bob, carol]);
      expect((await Promise.all(created)).map((x) => x.id)).toEqual([id, id]);

      const heard = [b, c].map((s) =>
        waitForEvent(s, 'message:new', (m) => m.conversationId === id),
      );
      await emitWithAck(a, 'message:send', {
        conversationId: id,
        content: 'welcome',
        clientMessageId: 'w',
      });
      expect((await Promise.all(heard)).map((m) => m.content)).toEqual(['welcome', 'welcome']);
    }, 30_000);

    it('tells a removed participant, then leaves them out; an added one starts receiving', async () => {
      const [alice, bob, carol, dave] = await Promise.all([user(), user(), user(), user()]);
      const id = await group(alice, [bob, carol]);
      const [a, b, c, d] = await Promise.all([
        connect(0, alice),
        connect(1, bob),
        connect(2, carol),
        connect(2, dave),
      ]);
      const toBob = waitForEvent(b, 'conversation:updated');
      const toDave = waitForEvent(d, 'conversation:updated');
      const patch = await alice.patch(`/conversations/${id}`, {
        removeParticipants: [bob.id],
        addParticipants: [dave.id],
      });
      expect(patch.status).toBe(200);
      expect((await toBob).participants).not.toContain(bob.id);
      expect((await toDave).participants).toContain(dave.id);

      const bobHears = collect(b, 'message:new');
      const heard = [c, d].map((s) => waitForEvent(s, 'message:new'));
      await emitWithAck(a, 'message:send', {
        conversationId: id,
        content: 'after',
        clientMessageId: 'r-1',
      });
      expect((await Promise.all(heard)).map((m) => m.content)).toEqual(['after', 'after']);
      const refused = await emitWithAck(b, 'message:send', {
        conversationId: id,
        content: 'still here?',
        clientMessageId: 'r-2',
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'not_found' } });
      await expectNoEvent(b, 'message:new');
      expect(bobHears).toEqual([]);
    }, 30_000);
  });

  describe('sync', () => {
    it('returns exactly the messages after each cursor, and only for conversations of the caller', async () => {
      const [alice, bob, eve] = await Promise.all([user(), user(), user()]);
      const id = await group(alice, [bob]);
      const other = await group(eve, [alice]);
      for (let i = 1; i <= 5; i++) {
        await alice.post(`/conversations/${id}/messages`, { content: `m${i}` });
      }
      await eve.post(`/conversations/${other}/messages`, { content: 'private' });
      const b = await connect(2, bob);

      const ack = await emitWithAck(b, 'sync', { cursors: { [id]: 2, [other]: 0 } });
      expect(ack.ok).toBe(true);
      const answer = ack.ok ? ack.data : {};
      expect(Object.keys(answer)).toEqual([id]);
      expect(answer[id].messages.map((m) => [m.seq, m.content])).toEqual([
        [3, 'm3'],
        [4, 'm4'],
        [5, 'm5'],
      ]);
      expect(answer[id].hasMore).toBe(false);

      const tooMany = Object.fromEntries(
        Array.from({ length: 101 }, (_, i) => [i.toString(16).padStart(24, '0'), 0]),
      );
      const refused = await emitWithAck(b, 'sync', { cursors: tooMany });
      expect(refused).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }, 30_000);
  });

  describe('when the Redis link drops', () => {
    it('tells every local socket sync:required once the adapter is back, and delivery resumes', async () => {
      const port = await freePort();
      const redisUrl = `redis://127.0.0.1:${port}`;
      const runRedis = () => runRedisServer(port);
      let redis = await runRedis();
      const pair: NodeProcess[] = [];
      try {
        pair.push(...(await Promise.all([0, 1].map(() => startNode({ REDIS_URL: redisUrl })))));
        const [alice, bob] = await Promise.all([0, 1].map(() => ApiUser.create(pair[0].url)));
        const id = await group(alice, [bob]);
        const connectTo = async (n: NodeProcess, u: ApiUser) => {
          const socket = await connectClient(n.url, await tokenFor(u.id));
          open.push(socket);
          return socket;
        };
        const [a, b] = await Promise.all([connectTo(pair[0], alice), connectTo(pair[1], bob)]);

        const told = [a, b].map((s) => waitForEvent(s, 'sync:required', () => true, 20_000));
        redis.kill('SIGKILL');
        await new Promise((r) => redis.once('exit', r));
        redis = await runRedis();
        expect(await Promise.all(told)).toEqual([{}, {}]);

        // Cross-node delivery works again (the send may wait for the cluster to settle).
        const heard = waitForEvent(b, 'message:new', () => true, 20_000);
        await expectEventually(async () => {
          const ack = await emitWithAck(a, 'message:send', {
            conversationId: id,
            content: 'back',
            clientMessageId: 'after-outage',
          });
          expect(ack).toMatchObject({ ok: true });
        });
        expect(await heard).toMatchObject({ content: 'back', senderId: alice.id });
      } finally {
        await Promise.all(pair.map(stopNode));
        redis.kill('SIGKILL');
      }
    }, 90_000);
  });
});
