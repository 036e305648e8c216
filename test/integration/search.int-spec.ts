import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Worker } from 'bullmq';
import Redis from 'ioredis';
import { Types, type Connection } from 'mongoose';
import type { AppConfig } from '../../src/config/app-config';
import { MONGO_CONNECTION } from '../../src/infra/tokens';
import { bullPrefix } from '../../src/jobs/delivery-queue';
import { SEARCH_INDEX, type SearchIndex } from '../../src/search/search-index';
import { SEARCH_QUEUE, SearchJob, SearchQueue } from '../../src/search/search-queue';
import { SearchWorker } from '../../src/search/search-worker';
import { startTestApp } from '../support/app';
import { expectEventually } from '../support/eventually';
import { ApiUser } from '../support/http';
import { isLocalStack, ROOT, stackEnv } from '../support/stack-env';
import { stackService } from '../support/stack-control';

const run = promisify(execFile);

type Item = { message: { id: string; content: string; senderId: string }; highlight: string };
type Page = { items: Item[]; nextCursor: string | null };

/**
 * Message search on the real OpenSearch, fed by the real relay and `search-index` worker.
 * The gateway starts with its workers off, so the first test can play a worker that dies
 * holding a batch; it then starts the search worker, which serves every later test.
 */
describe('message search (OpenSearch, BullMQ worker)', () => {
  let app: NestFastifyApplication;
  let config: AppConfig;
  let url: string;
  let alice: ApiUser;
  let bob: ApiUser;
  let carol: ApiUser;
  let group: string;
  const alias = `test-search-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    ({ app, config, url } = await startTestApp({
      WORKERS_ENABLED: 'false',
      LOG_LEVEL: process.env.SEARCH_TEST_LOG ?? 'fatal',
      SEARCH_INDEX: alias, // this file's own, so the reindex below replaces no one else's
    }));
    [alice, bob, carol] = await Promise.all([0, 1, 2].map(() => ApiUser.create(url)));
    const created = await alice.post('/conversations', {
      type: 'group',
      name: 'search',
      participants: [bob.id],
    });
    expect(created.status).toBe(201);
    group = created.body.id;
  });
  afterAll(async () => {
    await app?.close();
  });

  const send = async (user: ApiUser, conversationId: string, content: string) => {
    const r = await user.post(`/conversations/${conversationId}/messages`, { content });
    expect(r.status).toBe(201);
    return r.body as { id: string; createdAt: string };
  };
  const search = (user: ApiUser, params: Record<string, string>) =>
    user.get<Page>(`/search?${new URLSearchParams(params).toString()}`);
  const ids = (r: { body: Page }) => r.body.items.map((i) => i.message.id);
  /** Waits until `q` (with `params`) finds exactly `expected`, newest first. */
  const expectFound = (
    user: ApiUser,
    q: string,
    expected: string[],
    params: Record<string, string> = {},
    timeoutMs = 20_000,
  ) =>
    expectEventually(
      async () => {
        const r = await search(user, { q, ...params });
        expect(r.status).toBe(200);
        expect(ids(r)).toEqual(expected);
        return r;
      },
      { timeoutMs },
    );

  it('redoes the batch of a worker that died holding it (nothing lost)', async () => {
    const connection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
    // A worker that takes the next batch and dies: it never finishes it nor renews its lock.
    const dying = new Worker<SearchJob>(SEARCH_QUEUE, undefined, {
      connection,
      prefix: bullPrefix(config),
      autorun: false,
      lockDuration: 1000,
    });
    const m = await send(alice, group, 'lighthouse keeper');
    const job = await expectEventually(async () => {
      const taken = await dying.getNextJob('dying-worker');
      expect(taken?.data.messages.map((x) => x.messageId)).toContain(m.id);
      return taken!;
    });
    await dying.close(true);
    connection.disconnect();
    expect(await app.get(SearchQueue).queue.getJobState(job.id!)).toBe('active');

    app.get(SearchWorker).start();
    await expectFound(alice, 'lighthouse', [m.id], {}, 40_000);
  });

  it('finds a message within seconds of its ack; an edit replaces its words; a delete removes it', async () => {
    const m = await send(alice, group, 'the quarterly zeppelin report');
    const found = await expectFound(bob, 'zeppelin', [m.id]);
    expect(found.body.items[0].highlight).toBe('the quarterly <mark>zeppelin</mark> report');

    const edited = await alice.patch(`/conversations/${group}/messages/${m.id}`, {
      content: 'the quarterly airship report',
    });
    expect(edited.status).toBe(200);
    await expectFound(bob, 'airship', [m.id]);
    await expectFound(bob, 'zeppelin', []);

    expect((await alice.delete(`/conversations/${group}/messages/${m.id}`)).status).toBe(200);
    expect(ids(await search(bob, { q: 'airship' }))).toEqual([]); // at once (read back)
    await expectEventually(async () => {
      const hits = await app
        .get<SearchIndex>(SEARCH_INDEX)
        .query({ terms: ['airship'], conversationIds: [group], filters: {}, limit: 5 });
      expect(hits).toEqual([]); // then gone from the index itself, by its job
    });
  });

  it('folds case and accents, prefixes the last term, needs every term, and reads CJK', async () => {
    const cafe = await send(alice, group, 'Meet at the Cafe near the station');
    const upper = await send(bob, group, 'CAFÉ CRÈME for everyone');
    const conv = await send(alice, group, 'a long conversation about kites');
    const tokyo = await send(bob, group, '週末は東京タワーに行きました');
    const emoji = await send(alice, group, 'party tonight 🎉!!! (bring snacks)');

    await expectFound(alice, 'café', [upper.id, cafe.id]);
    await expectFound(alice, 'CAFE', [upper.id, cafe.id]);
    await expectFound(alice, 'conver', [conv.id]);
    await expectFound(alice, 'kites conver', [conv.id]);
    await expectFound(alice, 'conversation dragons', []);
    await expectFound(alice, 'cafe station', [cafe.id]);
    const jp = await expectFound(alice, '東京', [tokyo.id]);
    const { highlight } = jp.body.items[0];
    expect(highlight).toMatch(/^週末は<mark>東(<\/mark><mark>)?京<\/mark>タワーに行きました$/);
    expect(highlight.replace(/<\/?mark>/g, '')).toBe('週末は東京タワーに行きました');
    await expectFound(alice, '🎉 party!!!', [emoji.id]);
    await expectFound(alice, '(bring) "snacks" ???', [emoji.id]);
    for (const q of ['!!!', '🎉', '*', '"', 'a:b', '\\', '[(', 'OR AND NOT']) {
      expect((await search(alice, { q })).status).toBe(200);
    }
  });

  it('searches only the caller’s conversations, and stops at once for a removed member', async () => {
    const other = (await carol.post('/conversations', { type: 'private', participants: [bob.id] }))
      .body.id as string;
    const secret = await send(carol, other, 'platypus secret');
    const shared = await send(alice, group, 'platypus meeting');
    await expectFound(bob, 'platypus', [shared.id, secret.id]);
    await expectFound(alice, 'platypus', [shared.id]);
    const notMine = await search(alice, { q: 'platypus', conversationId: other });
    expect(notMine.status).toBe(404);
    expect(notMine.body).toMatchObject({ code: 'not_found' });

    const removed = await alice.patch(`/conversations/${group}`, { removeParticipants: [bob.id] });
    expect(removed.status).toBe(200);
    expect(ids(await search(bob, { q: 'platypus' }))).toEqual([secret.id]);
    expect((await search(bob, { q: 'platypus', conversationId: group })).status).toBe(404);
    const back = await alice.patch(`/conversations/${group}`, { addParticipants: [bob.id] });
    expect(back.status).toBe(200);
  });

  it('drops a deleted conversation’s messages from results at once and from the index by job', async () => {
    const doomed = (
      await alice.post('/conversations', { type: 'private', participants: [carol.id] })
    ).body.id as string;
    const m = await send(alice, doomed, 'wombat farewell');
    await expectFound(carol, 'wombat', [m.id]);
    expect((await alice.delete(`/conversations/${doomed}`)).status).toBe(200);
    expect(ids(await search(carol, { q: 'wombat' }))).toEqual([]);
    await expectEventually(async () => {
      const hits = await app
        .get<SearchIndex>(SEARCH_INDEX)
        .query({ terms: ['wombat'], conversationIds: [doomed], filters: {}, limit: 5 });
      expect(hits).toEqual([]);
    });
  });

  it('filters by sender, link, attachment and dates, and pages with cursors', async () => {
    const word = `pelican${randomUUID().slice(0, 6)}`;
    const sent: { id: string; createdAt: string }[] = [];
    for (let i = 0; i < 7; i++) {
      const user = i % 2 ? bob : alice;
      sent.push(
        await send(user, group, `${word} number ${i}${i === 3 ? ' https://example.org' : ''}`),
      );
    }
    // An attachment-carrying message as the attachments flow stores it, then indexed by a job.
    const mongo = app.get<Connection>(MONGO_CONNECTION);
    const withFile = new Types.ObjectId();
    const now = new Date();
    await mongo.collection('messages').insertOne({
      _id: withFile,
      conversationId: new Types.ObjectId(group),
      seq: 100_000,
      senderId: alice.id,
      clientMessageId: `file-${withFile.toHexString()}`,
      content: `${word} with a file`,
      attachments: [
        { id: new Types.ObjectId(), fileName: 'a.png', fileType: 'image/png', fileSize: 3 },
      ],
      parentId: null,
      replyCount: 0,
      reactions: [],
      editedAt: null,
      deletedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await app.get(SearchQueue).queue.add('batch', {
      messages: [{ conversationId: group, messageId: withFile.toHexString() }],
      conversations: [],
    });
    const newestFirst = [withFile.toHexString(), ...sent.map((m) => m.id).reverse()];
    await expectFound(alice, word, newestFirst, { limit: '50' });

    await expectFound(
      alice,
      word,
      newestFirst.filter((_, i) => i > 0 && i % 2 === 0),
      {
        from: bob.id,
      },
    );
    await expectFound(alice, word, [sent[3].id], { has: 'link' });
    await expectFound(alice, word, [withFile.toHexString()], { has: 'attachment' });
    await expectFound(alice, word, [sent[4].id, sent[3].id, sent[2].id], {
      after: sent[1].createdAt,
      before: sent[5].createdAt,
    });

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { status: number; body: Page } = await search(alice, {
        q: word,
        limit: '3',
        ...(cursor && { cursor }),
      });
      expect(r.status).toBe(200);
      paged.push(...ids(r));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(newestFirst);
  });

  it('converges to the latest version when writes repeat or arrive out of order', async () => {
    const index = app.get<SearchIndex>(SEARCH_INDEX);
    const id = new Types.ObjectId().toHexString();
    const doc = (content: string, version: number) => ({
      id,
      conversationId: group,
      senderId: alice.id,
      has: [] as [],
      createdAt: new Date().toISOString(),
      seq: 1,
      content,
      version,
    });
    await index.write([doc('newer narwhal', 20)], []);
    await index.write([doc('older narwhal walrus', 10)], []); // late: skipped
    await index.write([doc('newer narwhal', 20)], []); // again: no-op
    const hits = (terms: string[]) =>
      index.query({ terms, conversationIds: [group], filters: {}, limit: 5 });
    await expectEventually(async () =>
      expect((await hits(['narwhal'])).map((h) => h.id)).toEqual([id]),
    );
    expect(await hits(['walrus'])).toEqual([]);
    await index.write([], [{ id, conversationId: group, version: 15 }]); // older delete: skipped
    await index.write([], [{ id, conversationId: group, version: 30 }]);
    await expectEventually(async () => expect(await hits(['narwhal'])).toEqual([]));
  });

  it('`npm run search:reindex` rebuilds the index from MongoDB and moves the alias to it', async () => {
    const mongo = app.get<Connection>(MONGO_CONNECTION);
    const id = new Types.ObjectId();
    const now = new Date();
    // Stored without any job: only a rebuild from MongoDB can find it.
    await mongo.collection('messages').insertOne({
      _id: id,
      conversationId: new Types.ObjectId(group),
      seq: 200_000,
      senderId: alice.id,
      clientMessageId: `reindex-${id.toHexString()}`,
      content: 'reindexed quokka',
      attachments: [],
      parentId: null,
      replyCount: 0,
      reactions: [],
      editedAt: null,
      deletedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    expect(ids(await search(alice, { q: 'quokka' }))).toEqual([]);
    await run(process.execPath, [join(ROOT, 'dist', 'search', 'reindex.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        ...stackEnv(),
        MONGO_URL: config.mongo.url,
        SEARCH_INDEX: alias,
        LOG_LEVEL: 'warn',
      },
      timeout: 120_000,
    });
    await expectFound(alice, 'quokka', [id.toHexString()]);
    const aliases = await fetch(`${config.search.url}/_alias/${alias}`);
    expect(Object.keys((await aliases.json()) as object)).toEqual([
      expect.stringMatching(new RegExp(`^${alias}-v\\d+-r\\d+$`)),
    ]);
  });

  it('refuses bad parameters with validation_failed', async () => {
    const bad: Record<string, string>[] = [
      { q: '   ' },
      { q: 'x'.repeat(201) },
      { q: 'x', has: 'image' },
      { q: 'x', from: 'not-a-uuid' },
      { q: 'x', before: 'yesterday' },
      { q: 'x', limit: '51' },
      { q: 'x', cursor: 'bm9wZQ' },
      { q: 'x', conversationId: 'abc' },
      { q: 'x', extra: '1' },
    ];
    for (const params of bad) {
      const r = await search(alice, params);
      expect([r.status, (r.body as unknown as { code: string }).code, params]).toEqual([
        400,
        'validation_failed',
        params,
      ]);
    }
  });

  const local = isLocalStack() ? it : it.skip;
  local(
    'with OpenSearch stopped: sends succeed, health and search say so; after restart the backlog drains',
    async () => {
      await stackService('stop', 'search');
      const sent: { id: string }[] = [];
      try {
        sent.push(await send(alice, group, 'backlog albatross one'));
        sent.push(await send(bob, group, 'backlog albatross two'));
        const health = await fetch(`${url}/health`);
        expect(health.status).toBe(503);
        expect(
          ((await health.json()) as { checks: Record<string, { status: string }> }).checks,
        ).toMatchObject({ search: { status: 'down' }, mongo: { status: 'up' } });
        expect((await fetch(`${url}/health/ready`)).status).toBe(200);
        const r = await search(alice, { q: 'albatross' });
        expect(r.status).toBe(503);
        expect(r.body).toMatchObject({ code: 'unavailable' });
      } finally {
        await stackService('start', 'search');
      }
      await expectFound(alice, 'albatross', sent.map((m) => m.id).reverse(), {}, 60_000);
    },
    240_000,
  );
});
