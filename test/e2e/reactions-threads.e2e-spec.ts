import { ApiUser } from '../support/http';
import { expectEventually } from '../support/eventually';
import { awaitClusterView, NodeProcess, startNode, stopNode } from '../support/node-process';
import { ChatClient, collect, connectReady, emitWithAck, expectNoEvent } from '../support/socket';

type Msg = {
  id: string;
  seq: number;
  senderId: string;
  parentId: string | null;
  replyCount: number;
  lastReplyAt: string | null;
  replyUserIds: string[];
  createdAt: string;
};

type Reaction = { emoji: string; count: number; userIds: string[] };

describe('reactions and threads across two nodes', () => {
  let nodes: NodeProcess[] = [];
  const sockets: ChatClient[] = [];

  beforeAll(async () => {
    // A burst that the concurrency tests fit in; the rate-limit test spends it on purpose.
    const env = { SEND_RATE_BURST: '120', SEND_RATE_PER_SECOND: '1' };
    nodes = await Promise.all([startNode(env), startNode(env)]);
    await awaitClusterView(nodes);
  }, 90_000);
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await Promise.all(nodes.map(stopNode));
  });

  const connect = (node: NodeProcess, user: ApiUser) => connectReady(node.url, user.id, sockets);
  const path = (id: string, messageId: string, emoji: string) =>
    `/conversations/${id}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;
  const put = (user: ApiUser, id: string, messageId: string, emoji: string) =>
    user.request('PUT', path(id, messageId, emoji));
  const del = (user: ApiUser, id: string, messageId: string, emoji: string) =>
    user.request('DELETE', path(id, messageId, emoji));

  /** A group of `n` users (the first is the admin), spread over both nodes. */
  async function members(n: number) {
    const users = await Promise.all(
      Array.from({ length: n }, (_, i) => ApiUser.create(nodes[i % 2].url)),
    );
    const created = await users[0].post('/conversations', {
      type: 'group',
      name: 'reactions and threads',
      participants: users.slice(1).map((u) => u.id),
    });
    expect(created.status).toBe(201);
    return { users, id: created.body.id as string };
  }

  /** …with one message to react to. */
  async function group(n: number) {
    const { users, id } = await members(n);
    const sent = await users[0].post(`/conversations/${id}/messages`, { content: 'react to me' });
    return { users, id, messageId: sent.body.id as string };
  }

  const reactionsOf = async (user: ApiUser, id: string, messageId: string) => {
    const page = await user.get(`/conversations/${id}/messages`);
    return (page.body.items as { id: string; reactions: Reaction[] }[]).find(
      (m) => m.id === messageId,
    )!.reactions;
  };

  it('counts 50 concurrent adds of one emoji by one user from two nodes once', async () => {
    const { users, id, messageId } = await group(2);
    const [alice] = users;
    const a0 = await connect(nodes[0], alice);
    const a1 = await connect(nodes[1], alice);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 3 === 2
          ? put(alice, id, messageId, '🎉').then((r) => {
              expect(r.status).toBe(200);
              return r.body;
            })
          : emitWithAck(i % 3 ? a1 : a0, 'reaction:add', {
              conversationId: id,
              messageId,
              emoji: '🎉',
            }).then((r) => {
              if (!r.ok) throw new Error(JSON.stringify(r.error));
              return r.data;
            }),
      ),
    );
    const one = [{ emoji: '🎉', count: 1, userIds: [alice.id] }];
    for (const a of answers) expect(a).toEqual({ conversationId: id, messageId, reactions: one });
    expect(await reactionsOf(alice, id, messageId)).toEqual(one);
  });

  it('counts 40 users adding at once exactly, and tells members on the other node, not others', async () => {
    const { users, id, messageId } = await group(40);
    const watcher = await connect(nodes[1], users[1]);
    const outsider = await ApiUser.create(nodes[0].url);
    const outsiders = [await connect(nodes[0], outsider), await connect(nodes[1], outsider)];
    const heard = collect(watcher, 'reaction:updated');
    const results = await Promise.all(
      users.map(async (u, i) => {
        if (i % 2) return (await put(u, id, messageId, '👍')).status;
        const s = await connect(nodes[i % 4 === 0 ? 0 : 1], u);
        const r = await emitWithAck(s, 'reaction:add', {
          conversationId: id,
          messageId,
          emoji: '👍',
        });
        return r.ok ? 200 : r.error.code;
      }),
    );
    expect(results).toEqual(users.map(() => 200));
    const [thumbs] = await reactionsOf(users[0], id, messageId);
    expect(thumbs.count).toBe(40);
    expect([...thumbs.userIds].sort()).toEqual(users.map((u) => u.id).sort());
    // Writes are coalesced: the room hears the final state, whatever it heard before.
    await expectEventually(() =>
      expect(heard.at(-1)?.reactions).toEqual([
        { emoji: '👍', count: 40, userIds: expect.any(Array) },
      ]),
    );
    for (const s of outsiders) await expectNoEvent(s, 'reaction:updated');
    // A non-member cannot react, see or probe the message.
    expect((await put(outsider, id, messageId, '👍')).body.code).toBe('not_found');
    const refused = await emitWithAck(outsiders[1], 'reaction:add', {
      conversationId: id,
      messageId,
      emoji: '👍',
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('ends interleaved adds and removes of 10 users at each user’s last action', async () => {
    const { users, id, messageId } = await group(10);
    const last = new Map<string, boolean>();
    await Promise.all(
      users.map(async (u, i) => {
        const s = await connect(nodes[i % 2], u);
        for (let k = 0; k < 6; k++) {
          const add = (i + k) % 3 !== 0;
          const r =
            k % 2
              ? await emitWithAck(s, add ? 'reaction:add' : 'reaction:remove', {
                  conversationId: id,
                  messageId,
                  emoji: '❤️',
                })
              : { ok: (await (add ? put : del)(u, id, messageId, '❤️')).status === 200 };
          expect(r.ok).toBe(true);
          last.set(u.id, add);
        }
      }),
    );
    const want = users.filter((u) => last.get(u.id)).map((u) => u.id);
    const reactions = await reactionsOf(users[0], id, messageId);
    expect(reactions).toHaveLength(want.length ? 1 : 0);
    expect(reactions[0]?.count).toBe(want.length);
    expect([...(reactions[0]?.userIds ?? [])].sort()).toEqual(want.sort());
  });

  it('lets exactly one of several new emoji in at the distinct limit minus one', async () => {
    const { users, id, messageId } = await group(6);
    for (let i = 0; i < 49; i++)
      expect((await put(users[0], id, messageId, `:e${i}:`)).status).toBe(200);
    const codes = await Promise.all(
      users.map(async (u, i) => {
        const r = await put(u, id, messageId, `:new${i}:`);
        return r.status === 200 ? 'ok' : r.body.code;
      }),
    );
    expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
    expect(codes.filter((c) => c === 'conflict')).toHaveLength(5);
    expect(await reactionsOf(users[1], id, messageId)).toHaveLength(50);
    // An emoji already there still takes more users.
    expect((await put(users[1], id, messageId, ':e0:')).status).toBe(200);
  });

  it('counts ❤ and ❤️ as one, accepts sequences and refuses what is not one emoji', async () => {
    const { users, id, messageId } = await group(2);
    const [alice] = users;
    expect((await put(alice, id, messageId, '\u2764')).body.reactions).toEqual([
      { emoji: '\u2764\uFE0F', count: 1, userIds: [alice.id] },
    ]);
    expect((await put(alice, id, messageId, '\u2764\uFE0F')).body.reactions).toEqual([
      { emoji: '\u2764\uFE0F', count: 1, userIds: [alice.id] },
    ]);
    // The kiss with two skin tones is 105 characters percent-encoded (past Fastify's default).
    for (const ok of ['👨‍👩‍👧‍👦', '👍🏽', ':party_parrot:', '🧑🏻‍❤️‍💋‍🧑🏼']) {
      expect((await put(alice, id, messageId, ok)).status).toBe(200);
    }
    expect((await reactionsOf(alice, id, messageId)).map((r) => r.emoji)).toEqual([
      '\u2764\uFE0F',
      '👨‍👩‍👧‍👦',
      '👍🏽',
      ':party_parrot:',
      '🧑🏻‍❤️‍💋‍🧑🏼',
    ]);
    for (const bad of ['<script>', 'a', '👍a', ':Nope:']) {
      const r = await put(alice, id, messageId, bad);
      expect([r.status, r.body.code]).toEqual([400, 'validation_failed']);
    }
    const s = await connect(nodes[1], alice);
    expect(
      await emitWithAck(s, 'reaction:add', { conversationId: id, messageId, emoji: '<b>' }),
    ).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    // Removing with the other presentation removes the one reaction.
    expect((await del(alice, id, messageId, '\u2764')).body.reactions).toHaveLength(4);
  });

  it('refuses reactions on a deleted message (conflict) and on an unknown one (not found)', async () => {
    const { users, id, messageId } = await group(2);
    const [alice, bob] = users;
    expect((await put(bob, id, messageId, '👍')).status).toBe(200);
    expect((await alice.delete(`/conversations/${id}/messages/${messageId}`)).body).toMatchObject({
      deletedAt: expect.any(String),
      reactions: [],
    });
    for (const r of [await put(bob, id, messageId, '👀'), await del(bob, id, messageId, '👍')]) {
      expect([r.status, r.body.code]).toEqual([409, 'conflict']);
    }
    expect((await put(bob, id, 'f'.repeat(24), '👍')).body.code).toBe('not_found');
    expect(await reactionsOf(alice, id, messageId)).toEqual([]);
  });

  it('counts reactions against the sender’s rate limit', async () => {
    const { users, id, messageId } = await group(2);
    const [alice] = users;
    const s = await connect(nodes[alice.baseUrl === nodes[0].url ? 0 : 1], alice);
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof put>> | undefined;
    for (let i = 0; i < 200 && !limited; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, k) => (k % 2 ? del : put)(alice, id, messageId, '🔥')),
      );
      statuses.push(...batch.map((r) => r.status));
      limited = batch.find((r) => r.status === 429);
    }
    expect(limited?.body.code).toBe('rate_limited');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // The socket on that node is refused too: one budget per user (refilled at 1/s).
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        emitWithAck(s, 'reaction:add', { conversationId: id, messageId, emoji: '🔥' }),
      ),
    );
    expect(answers).toContainEqual({
      ok: false,
      error: {
        code: 'rate_limited',
        message: expect.any(String),
        retryAfterMs: expect.any(Number),
      },
    });
  });

  describe('threads across two nodes', () => {
    const post = (u: ApiUser, id: string, content: string, parentId?: string) =>
      u.post(`/conversations/${id}/messages`, { content, ...(parentId ? { parentId } : {}) });
    const message = async (u: ApiUser, id: string, messageId: string): Promise<Msg> => {
      const page = await u.get(`/conversations/${id}/messages?limit=100`);
      return (page.body.items as Msg[]).find((m) => m.id === messageId)!;
    };
    /** What the summary must be, from the replies themselves (newest first, distinct, ≤ 10). */
    const expected = (replies: Msg[]) => {
      const newest = [...replies].sort((a, b) => b.seq - a.seq);
      return {
        replyCount: replies.length,
        lastReplyAt: newest[0]?.createdAt ?? null,
        replyUserIds: [...new Set(newest.map((m) => m.senderId))].slice(0, 10),
      };
    };

    it('keeps replyCount, lastReplyAt and replyUserIds exact for 30 concurrent replies from two nodes', async () => {
      const { users, id } = await members(12);
      const root = (await post(users[0], id, 'topic')).body as Msg;
      const watcher = await connect(nodes[1], users[0]);
      const heard = collect(watcher, 'thread:updated');
      const clients = await Promise.all(users.map((u, i) => connect(nodes[i % 2], u)));
      const replies = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const u = users[i % 12];
          if (i % 2) return (await post(u, id, `re ${i}`, root.id)).body as Msg;
          const r = await emitWithAck(clients[i % 12], 'message:send', {
            conversationId: id,
            content: `re ${i}`,
            clientMessageId: `re-${i}`,
            parentId: root.id,
          });
          if (!r.ok) throw new Error(JSON.stringify(r.error));
          return r.data as unknown as Msg;
        }),
      );
      expect(replies.every((m) => m.parentId === root.id)).toBe(true);
      const want = expected(replies);
      expect(want.replyUserIds).toHaveLength(10);
      // REST history (the actor's memory) and a database page both carry the exact summary.
      expect(await message(users[3], id, root.id)).toMatchObject(want);
      const below = await users[3].get(`/conversations/${id}/messages?before=2`);
      expect(below.body.items[0]).toMatchObject({ id: root.id, ...want });
      // So does sync, and the room heard it last.
      const synced = await emitWithAck(clients[5], 'sync', { cursors: { [id]: 0 } });
      expect(synced.ok && synced.data[id].messages.find((m) => m.id === root.id)).toMatchObject(
        want,
      );
      await expectEventually(() =>
        expect(heard.at(-1)).toEqual({ conversationId: id, messageId: root.id, ...want }),
      );

      // Deleting a reply counts it out, and says so.
      const gone = replies.find((m) => m.seq === Math.max(...replies.map((r) => r.seq)))!;
      const owner = users.find((u) => u.id === gone.senderId)!;
      expect((await owner.delete(`/conversations/${id}/messages/${gone.id}`)).status).toBe(200);
      const after = expected(replies.filter((m) => m.id !== gone.id));
      expect(after.replyCount).toBe(29);
      await expectEventually(() =>
        expect(heard.at(-1)).toEqual({ conversationId: id, messageId: root.id, ...after }),
      );
      expect(await message(users[1], id, root.id)).toMatchObject(after);
    });

    it('refuses a reply to a reply, to a deleted root, and to another conversation’s message', async () => {
      const { users, id } = await members(2);
      const [alice, bob] = users;
      const carol = await ApiUser.create(nodes[0].url);
      const other = await alice.post('/conversations', {
        type: 'group',
        name: 'x',
        participants: [carol.id],
      });
      const elsewhere = (await post(alice, other.body.id, 'elsewhere')).body as Msg;
      const root = (await post(alice, id, 'root')).body as Msg;
      const reply = (await post(bob, id, 're', root.id)).body as Msg;
      const dead = (await post(alice, id, 'dead')).body as Msg;
      await alice.delete(`/conversations/${id}/messages/${dead.id}`);

      for (const [user, parentId] of [
        [bob, reply.id],
        [bob, dead.id],
        [alice, elsewhere.id], // alice can see it: not a secret, just wrong
      ] as const) {
        const r = await post(user, id, 'nope', parentId);
        expect([r.status, r.body.code]).toEqual([400, 'validation_failed']);
      }
      // bob cannot see the other conversation: its message is as unknown as a made-up id.
      for (const parentId of [elsewhere.id, 'f'.repeat(24)]) {
        const r = await post(bob, id, 'nope', parentId);
        expect([r.status, r.body.code]).toEqual([404, 'not_found']);
      }
      const s = await connect(nodes[1], bob);
      const refused = await emitWithAck(s, 'message:send', {
        conversationId: id,
        content: 'nope',
        clientMessageId: 'nested',
        parentId: reply.id,
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      expect(await message(alice, id, root.id)).toMatchObject({ replyCount: 1 });
    });

    it('pages a thread by seq with ?parentId=, like history', async () => {
      const { users, id } = await members(2);
      const [alice, bob] = users;
      const root = (await post(alice, id, 'root')).body as Msg;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(((await post(bob, id, `re ${i}`, root.id)).body as Msg).id);
        await post(alice, id, `noise ${i}`);
      }
      const page = async (q: string) => {
        const r = await alice.get(`/conversations/${id}/messages?parentId=${root.id}&${q}`);
        return [(r.body.items as Msg[]).map((m) => ids.indexOf(m.id)), r.body.hasMore];
      };
      expect(await page('limit=2')).toEqual([[3, 4], true]);
      const seqs = (await alice.get(`/conversations/${id}/messages?parentId=${root.id}`)).body
        .items as Msg[];
      expect(await page(`limit=2&before=${seqs[3].seq}`)).toEqual([[1, 2], true]);
      expect(await page(`limit=10&after=${seqs[1].seq}`)).toEqual([[2, 3, 4], false]);
      const unknown = await alice.get(`/conversations/${id}/messages?parentId=${'f'.repeat(24)}`);
      expect(unknown.status).toBe(404);
    });

    it('lists roots with replies, newest reply first, in pages', async () => {
      const { users, id } = await members(2);
      const [alice, bob] = users;
      const roots: Msg[] = [];
      for (let i = 0; i < 4; i++) roots.push((await post(alice, id, `root ${i}`)).body as Msg);
      const replies: Msg[] = [];
      for (const i of [0, 1, 2, 0])
        replies.push((await post(bob, id, `re ${i}`, roots[i].id)).body);
      // roots[3] has no replies; roots[1]'s only reply is deleted: neither is listed.
      await bob.delete(`/conversations/${id}/messages/${replies[1].id}`);

      const first = await alice.get(`/conversations/${id}/threads?limit=1`);
      expect(first.status).toBe(200);
      expect((first.body.items as Msg[]).map((m) => m.id)).toEqual([roots[0].id]);
      expect(first.body.items[0]).toMatchObject({ replyCount: 2, replyUserIds: [bob.id] });
      const rest = await alice.get(`/conversations/${id}/threads?cursor=${first.body.nextCursor}`);
      expect((rest.body.items as Msg[]).map((m) => m.id)).toEqual([roots[2].id]);
      expect(rest.body.nextCursor).toBeNull();

      const outsider = await ApiUser.create(nodes[0].url);
      expect((await outsider.get(`/conversations/${id}/threads`)).status).toBe(404);
      expect((await alice.get(`/conversations/${id}/threads?cursor=bad!`)).status).toBe(400);
    });
  });
});
