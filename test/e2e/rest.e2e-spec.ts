import { randomUUID } from 'node:crypto';
import { expectEventually } from '../support/eventually';
import { ApiUser, send } from '../support/http';
import { NodeProcess, startNode, stopNode } from '../support/node-process';
import {
  bearer,
  expiredToken,
  forgedToken,
  noneToken,
  wrongAudienceToken,
} from '../support/tokens';

describe('conversations and messages over REST (built service, real stack)', () => {
  let node: NodeProcess;
  let alice: ApiUser;
  let bob: ApiUser;
  let carol: ApiUser;
  let eve: ApiUser; // never a member of anything here

  beforeAll(async () => {
    node = await startNode({ GROUP_MAX_PARTICIPANTS: '5', MESSAGE_MAX_LENGTH: '500' });
    [alice, bob, carol, eve] = await Promise.all([0, 1, 2, 3].map(() => ApiUser.create(node.url)));
  }, 90_000);
  afterAll(async () => {
    if (node) await stopNode(node);
  });

  const group = async (name = 'team', participants = [bob.id, carol.id]) => {
    const res = await alice.post('/conversations', { type: 'group', name, participants });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };

  describe('authentication', () => {
    it.each([
      ['missing', async () => ({})],
      ['forged', async () => bearer(await forgedToken(randomUUID()))],
      ['alg none', async () => bearer(await noneToken(randomUUID()))],
      ['expired', async () => bearer(await expiredToken(randomUUID()))],
      ['wrong audience', async () => bearer(await wrongAudienceToken(randomUUID()))],
      ['malformed', async () => bearer('not.a.jwt')],
    ])('answers 401 problem+json for a %s token', async (_, headers) => {
      const res = await send(node.url, 'GET', '/conversations', await headers());
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
    });
  });

  describe('conversations', () => {
    it('creates a private conversation once per pair', async () => {
      const first = await alice.post('/conversations', { type: 'private', participants: [bob.id] });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        type: 'private',
        participants: [alice.id, bob.id],
        lastSeq: 0,
      });
      const again = await bob.post('/conversations', { type: 'private', participants: [alice.id] });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
    });

    it('refuses a private conversation with oneself or with a name', async () => {
      expect(
        (await alice.post('/conversations', { type: 'private', participants: [alice.id] })).body
          .code,
      ).toBe('validation_failed');
      const named = await alice.post('/conversations', {
        type: 'private',
        name: 'x',
        participants: [bob.id],
      });
      expect(named.status).toBe(400);
    });

    it('creates a group with its creator as admin, and caps its size', async () => {
      const res = await alice.post('/conversations', {
        type: 'group',
        name: ' team ',
        participants: [bob.id],
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        type: 'group',
        name: 'team',
        admins: [alice.id],
        participants: [alice.id, bob.id],
      });
      const tooMany = await alice.post('/conversations', {
        type: 'group',
        name: 'big',
        participants: Array.from({ length: 5 }, () => randomUUID()),
      });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.code).toBe('validation_failed');
    });

    it('lists the caller’s conversations newest activity first, with unread counts and cursors', async () => {
      const dave = await ApiUser.create(node.url);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await dave.post('/conversations', {
          type: 'group',
          name: `g${i}`,
          participants: [alice.id],
        });
        ids.push(c.body.id);
      }
      // Activity in the oldest one moves it to the top; dave has 2 unread there.
      await alice.post(`/conversations/${ids[0]}/messages`, { content: 'one' });
      await alice.post(`/conversations/${ids[0]}/messages`, { content: 'two' });
      await dave.post(`/conversations/${ids[0]}/messages`, { content: 'mine' });
      await alice.post(`/conversations/${ids[0]}/messages`, { content: 'three' });

      // The list follows within moments (the summary is written after the ack).
      let first = await dave.get('/conversations?limit=2');
      await expectEventually(async () => {
        first = await dave.get('/conversations?limit=2');
        expect(first.status).toBe(200);
        expect(first.body.items.map((c: { id: string }) => c.id)).toEqual([ids[0], ids[2]]);
        // Sending read everything before it: only 'three' is unread.
        expect(first.body.items[0]).toMatchObject({
          unreadCount: 1,
          lastMessage: { preview: 'three', seq: 4 },
        });
      });
      expect(first.body.items[1]).toMatchObject({ unreadCount: 0, lastMessage: null });
      const second = await dave.get(`/conversations?limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((c: { id: string }) => c.id)).toEqual([ids[1]]);
      expect(second.body.nextCursor).toBeNull();
      expect((await dave.get('/conversations?cursor=bogus')).status).toBe(400);
    });

    it('shows details and the caller’s cursors to members, 404 to others', async () => {
      const { id } = await group();
      await bob.post(`/conversations/${id}/messages`, { content: 'hi' });
      const mine = await bob.get(`/conversations/${id}`);
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({
        id,
        admins: [alice.id],
        readSeq: 1,
        deliveredSeq: 1, // reading implies delivery
        lastSeq: 1,
      });
      expect((await alice.get(`/conversations/${id}`)).body).toMatchObject({ readSeq: 0 });
      const other = await eve.get(`/conversations/${id}`);
      expect(other.status).toBe(404);
      expect(other.body.code).toBe('not_found');
    });

    it('lets only group admins rename and resize; a private conversation cannot change', async () => {
      const { id } = await group();
      expect((await bob.patch(`/conversations/${id}`, { name: 'mine now' })).status).toBe(403);
      const renamed = await alice.patch(`/conversations/${id}`, {
        name: 'renamed',
        addParticipants: [eve.id],
        removeParticipants: [carol.id],
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({
        name: 'renamed',
        participants: [alice.id, bob.id, eve.id],
      });
      expect((await carol.get(`/conversations/${id}`)).status).toBe(404);
      expect((await eve.get(`/conversations/${id}`)).status).toBe(200);
      await alice.patch(`/conversations/${id}`, { removeParticipants: [eve.id] });

      const pair = await carol.post('/conversations', { type: 'private', participants: [bob.id] });
      const res = await carol.patch(`/conversations/${pair.body.id}`, { name: 'x' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
      expect((await carol.patch(`/conversations/${pair.body.id}`, {})).status).toBe(400);
    });

    it('soft-deletes: groups by admins only, private by either side', async () => {
      const { id } = await group();
      expect((await bob.delete(`/conversations/${id}`)).status).toBe(403);
      const deleted = await alice.delete(`/conversations/${id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body.deletedAt).toEqual(expect.any(String));
      expect((await alice.get(`/conversations/${id}`)).status).toBe(404);
      expect((await bob.post(`/conversations/${id}/messages`, { content: 'x' })).status).toBe(404);

      const pair = await carol.post('/conversations', { type: 'private', participants: [eve.id] });
      expect((await eve.delete(`/conversations/${pair.body.id}`)).status).toBe(200);
      // The pair may start afresh.
      const fresh = await carol.post('/conversations', { type: 'private', participants: [eve.id] });
      expect(fresh.status).toBe(201);
      expect(fresh.body.id).not.toBe(pair.body.id);
    });
  });

  describe('messages', () => {
    it('stores a send with seq 1 and answers a repeated clientMessageId with the original', async () => {
      const { id } = await group();
      const first = await bob.post(`/conversations/${id}/messages`, {
        content: '  hello  ',
        clientMessageId: 'c-1',
      });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        conversationId: id,
        seq: 1,
        senderId: bob.id,
        content: 'hello',
        clientMessageId: 'c-1',
        reactions: [],
        replyCount: 0,
        editedAt: null,
        deletedAt: null,
      });
      const retry = await bob.post(`/conversations/${id}/messages`, {
        content: 'hello',
        clientMessageId: 'c-1',
      });
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(first.body);
      const list = await alice.get(`/conversations/${id}/messages`);
      expect(list.body.items).toHaveLength(1);
    });

    it('gives 60 concurrent sends from three users exactly seq 1..60', async () => {
      const { id } = await group();
      const senders = [alice, bob, carol];
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          senders[i % 3].post(`/conversations/${id}/messages`, {
            content: `m${i}`,
            clientMessageId: `k${i}`,
          }),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(60).fill(201));
      expect(replies.map((r) => r.body.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
      const all = await alice.get(`/conversations/${id}/messages?limit=100`);
      expect(all.body.items.map((m: { seq: number }) => m.seq)).toEqual(
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
      expect(all.body.hasMore).toBe(false);
    });

    it('pages history by seq windows with hasMore', async () => {
      const { id } = await group();
      for (let i = 1; i <= 7; i++)
        await alice.post(`/conversations/${id}/messages`, { content: `m${i}` });
      const seqs = (r: { body: { items: { seq: number }[] } }) => r.body.items.map((m) => m.seq);
      const newest = await bob.get(`/conversations/${id}/messages?limit=3`);
      expect([seqs(newest), newest.body.hasMore]).toEqual([[5, 6, 7], true]);
      const before = await bob.get(`/conversations/${id}/messages?limit=3&before=5`);
      expect([seqs(before), before.body.hasMore]).toEqual([[2, 3, 4], true]);
      const oldest = await bob.get(`/conversations/${id}/messages?limit=3&before=2`);
      expect([seqs(oldest), oldest.body.hasMore]).toEqual([[1], false]);
      const after = await bob.get(`/conversations/${id}/messages?limit=3&after=2`);
      expect([seqs(after), after.body.hasMore]).toEqual([[3, 4, 5], true]);
      const tail = await bob.get(`/conversations/${id}/messages?after=5`);
      expect([seqs(tail), tail.body.hasMore]).toEqual([[6, 7], false]);
    });

    it('threads replies under a top-level parent', async () => {
      const { id } = await group();
      const parent = await alice.post(`/conversations/${id}/messages`, { content: 'topic' });
      const reply = await bob.post(`/conversations/${id}/messages`, {
        content: 're',
        parentId: parent.body.id,
      });
      expect(reply.status).toBe(201);
      expect(reply.body.parentId).toBe(parent.body.id);
      const nested = await bob.post(`/conversations/${id}/messages`, {
        content: 're re',
        parentId: reply.body.id,
      });
      expect(nested.status).toBe(400);
      const thread = await carol.get(`/conversations/${id}/messages?parentId=${parent.body.id}`);
      expect(thread.body.items.map((m: { id: string }) => m.id)).toEqual([reply.body.id]);
      const top = await carol.get(`/conversations/${id}/messages?before=2`);
      expect(top.body.items[0]).toMatchObject({ id: parent.body.id, replyCount: 1 });
    });

    it('lets only the sender edit', async () => {
      const { id } = await group();
      const m = await bob.post(`/conversations/${id}/messages`, { content: 'draft' });
      expect(
        (await alice.patch(`/conversations/${id}/messages/${m.body.id}`, { content: 'x' })).status,
      ).toBe(403);
      const edited = await bob.patch(`/conversations/${id}/messages/${m.body.id}`, {
        content: 'final',
      });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ seq: 1, content: 'final', editedAt: expect.any(String) });
      expect((await carol.get(`/conversations/${id}/messages`)).body.items[0].content).toBe(
        'final',
      );
    });

    it('deletes as a tombstone: by the sender or a group admin, seq kept, content gone', async () => {
      const { id } = await group();
      const a = await bob.post(`/conversations/${id}/messages`, { content: 'secret' });
      const b = await bob.post(`/conversations/${id}/messages`, { content: 'also' });
      expect((await carol.delete(`/conversations/${id}/messages/${a.body.id}`)).status).toBe(403);
      const byAdmin = await alice.delete(`/conversations/${id}/messages/${a.body.id}`);
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body).toMatchObject({
        seq: 1,
        content: null,
        attachments: [],
        deletedAt: expect.any(String),
      });
      expect((await bob.delete(`/conversations/${id}/messages/${b.body.id}`)).status).toBe(200);
      const list = await carol.get(`/conversations/${id}/messages`);
      expect(
        list.body.items.map((m: { seq: number; content: string | null }) => [m.seq, m.content]),
      ).toEqual([
        [1, null],
        [2, null],
      ]);
      expect(
        (await bob.patch(`/conversations/${id}/messages/${a.body.id}`, { content: 'x' })).status,
      ).toBe(409);
    });

    it('answers 404 to a non-member on every route', async () => {
      const { id } = await group();
      const m = await alice.post(`/conversations/${id}/messages`, { content: 'members only' });
      const routes: [string, string, unknown?][] = [
        ['GET', `/conversations/${id}`],
        ['PATCH', `/conversations/${id}`, { name: 'x' }],
        ['DELETE', `/conversations/${id}`],
        ['GET', `/conversations/${id}/messages`],
        ['POST', `/conversations/${id}/messages`, { content: 'x' }],
        ['PATCH', `/conversations/${id}/messages/${m.body.id}`, { content: 'x' }],
        ['DELETE', `/conversations/${id}/messages/${m.body.id}`],
      ];
      for (const [method, path, body] of routes) {
        const res = await eve.request(method, path, body);
        expect([method, path, res.status, res.body.code]).toEqual([method, path, 404, 'not_found']);
      }
      expect((await alice.get(`/conversations/${id}/messages`)).body.items).toHaveLength(1);
    });

    it('validates content length from configuration', async () => {
      const { id } = await group();
      expect((await alice.post(`/conversations/${id}/messages`, { content: '   ' })).status).toBe(
        400,
      );
      const long = await alice.post(`/conversations/${id}/messages`, { content: 'x'.repeat(501) });
      expect(long.status).toBe(400);
      expect(long.body.code).toBe('validation_failed');
      expect(
        (await alice.post(`/conversations/${id}/messages`, { content: 'x'.repeat(500) })).status,
      ).toBe(201);
    });
  });

  describe('hostile input', () => {
    it('answers operator injection, prototype keys, broken JSON and malformed ids with 400 or 404, never 500', async () => {
      const { id } = await group();
      const cases: [string, string, unknown?, string?][] = [
        ['POST', `/conversations/${id}/messages`, { content: { $gt: '' } }],
        ['POST', `/conversations/${id}/messages`, { content: 'x', senderId: eve.id }],
        [
          'POST',
          `/conversations/${id}/messages`,
          undefined,
          '{"content":"x","__proto__":{"admin":true}}',
        ],
        [
          'POST',
          `/conversations/${id}/messages`,
          undefined,
          '{"content":"x","constructor":{"prototype":{}}}',
        ],
        ['POST', `/conversations/${id}/messages`, undefined, '{"content": "x"'],
        ['POST', '/conversations', { type: 'group', name: 'x', participants: [{ $ne: null }] }],
        ['POST', '/conversations', { type: { $ne: 'x' }, participants: [bob.id] }],
        ['GET', `/conversations/${id}/messages?before[$gt]=1`],
        ['GET', `/conversations/${id}/messages?limit=1000`],
        ['GET', `/conversations/${id}/messages?parentId=${'z'.repeat(24)}`],
        ['GET', '/conversations/not-an-id'],
        ['GET', `/conversations/${id}/messages/${'1'.repeat(23)}`],
        ['PATCH', `/conversations/${id}/messages/xyz`, { content: 'x' }],
        ['GET', `/conversations/${'0'.repeat(24)}`],
      ];
      for (const [method, path, body, raw] of cases) {
        const res = await alice.request(method, path, body, raw);
        expect([method, path, raw, res.status < 500 && res.status >= 400]).toEqual([
          method,
          path,
          raw,
          true,
        ]);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
      const list = await alice.get(`/conversations/${id}/messages`);
      expect(list.body.items).toEqual([]);
    });
  });
});
