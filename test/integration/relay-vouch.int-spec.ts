import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { Types, type Model } from 'mongoose';
import type { AppConfig } from '../../src/config/app-config';
import { ConversationsService } from '../../src/conversations/conversations.service';
import { TOPICS } from '../../src/events/chat-events';
import { CHANGE_VOUCHES, RedisChangeVouches } from '../../src/events/change-vouches';
import { OutboxRelay } from '../../src/events/outbox-relay';
import { OUTBOX_MODEL, OutboxDoc } from '../../src/events/outbox.schema';
import { MetricsService } from '../../src/health/metrics.service';
import { MESSAGE_REPOSITORY, MessageRepository } from '../../src/messages/message.repository';
import { MessagesService } from '../../src/messages/messages.service';
import { startTestApp } from '../support/app';
import { expectEventually } from '../support/eventually';
import { readEvents } from '../support/kafka';

describe('relay verification vouched for by the group-commit writer', () => {
  let app: NestFastifyApplication;
  let relay: OutboxRelay;
  let vouches: RedisChangeVouches;
  let messages: MessagesService;
  let redis: Redis;
  let vouchKey: string;

  beforeAll(async () => {
    let config: AppConfig;
    // No relay loop: the test runs the rounds, so it knows what each one verified.
    ({ app, config } = await startTestApp({
      RELAY_ENABLED: 'false',
      OUTBOX_GRACE_MS: '1000',
      LOG_LEVEL: 'fatal',
    }));
    relay = app.get(OutboxRelay);
    vouches = app.get(CHANGE_VOUCHES);
    messages = app.get(MessagesService);
    redis = new Redis(process.env.REDIS_URL!);
    vouchKey = `${config.cluster.prefix}:outbox:vouched`;
  }, 30_000);
  afterAll(async () => {
    await app?.close();
    await redis?.quit();
  });

  /** How many events the relay verified so far by a vouch and by reading MongoDB. */
  async function verified(): Promise<{ vouch: number; read: number }> {
    const metric = app
      .get(MetricsService)
      .registry.getSingleMetric('parley_outbox_events_verified_total')!;
    const { values } = await metric.get();
    const by = (label: string) => values.find((v) => v.labels.by === label)?.value ?? 0;
    return { vouch: by('vouch'), read: by('read') };
  }

  /** Runs rounds until the outbox is empty. */
  async function drain(): Promise<{ published: number; dropped: number }> {
    const total = { published: 0, dropped: 0 };
    const outbox = app.get<Model<OutboxDoc>>(OUTBOX_MODEL);
    await expectEventually(async () => {
      const round = await relay.runOnce();
      total.published += round.published;
      total.dropped += round.dropped;
      expect(await outbox.collection.countDocuments({})).toBe(0);
    });
    return total;
  }

  async function conversationWithSends(n: number) {
    const [a, b] = [randomUUID(), randomUUID()];
    const { conversation } = await app.get(ConversationsService).createConversation(a, {
      type: 'private',
      participants: [b],
    });
    await drain(); // chat.conversation.created: nobody vouches for it
    for (let i = 0; i < n; i++)
      await messages.sendMessage(a, conversation.id, { content: `m${i}` });
    await vouches.settled();
    return { id: conversation.id, sender: a };
  }

  async function publishedSeqs(conversationId: string, n: number): Promise<number[]> {
    const reader = await readEvents([TOPICS.messages], conversationId);
    try {
      return await expectEventually(
        () => {
          const seqs = reader.seen.map((e) => e.data.seq as number);
          expect(seqs).toHaveLength(n);
          return seqs;
        },
        { timeoutMs: 30_000 },
      );
    } finally {
      await reader.stop();
    }
  }

  it('publishes acknowledged sends without reading MongoDB to verify them', async () => {
    const { id } = await conversationWithSends(5);
    const before = await verified();
    await expect(relay.runOnce()).resolves.toMatchObject({ published: 5 });
    expect(await verified()).toEqual({ vouch: before.vouch + 5, read: before.read });
    expect(await publishedSeqs(id, 5)).toEqual([1, 2, 3, 4, 5]);
    // The round took its vouches: nothing of this conversation is left in Redis.
    expect(await redis.zcard(vouchKey)).toBe(0);
  }, 60_000);

  it('Redis lost the vouches (FLUSHALL): the events are verified in MongoDB, published in order', async () => {
    const { id } = await conversationWithSends(5);
    await redis.flushall();
    const before = await verified();
    await expect(relay.runOnce()).resolves.toMatchObject({ published: 5 });
    expect(await verified()).toEqual({ vouch: before.vouch, read: before.read + 5 });
    expect(await publishedSeqs(id, 5)).toEqual([1, 2, 3, 4, 5]);
  }, 60_000);

  it('a send whose insert was refused is never vouched for nor published; its retry is', async () => {
    const { id, sender } = await conversationWithSends(1);
    await drain();
    // Another writer takes seq 2: the actor's next insert is refused, it reloads and stores
    // the send as seq 3. The refused message's event stays in the outbox, unvouched.
    const now = new Date();
    await app.get<MessageRepository>(MESSAGE_REPOSITORY).insertBatch([
      {
        ...{ id: new Types.ObjectId().toHexString(), conversationId: id, seq: 2, senderId: sender },
        ...{ content: 'elsewhere', attachments: [], parentId: null, replyCount: 0 },
        ...{ lastReplyAt: null, replyUserIds: [], reactions: [] },
        ...{ createdAt: now, updatedAt: now, editedAt: null, deletedAt: null },
        ...{ deliveredTo: [], readBy: [], clientMessageId: randomUUID() },
      },
    ]);
    const { message } = await messages.sendMessage(sender, id, { content: 'retried' });
    expect(message.seq).toBe(3);
    await vouches.settled();
    const rows = await app
      .get<Model<OutboxDoc>>(OUTBOX_MODEL)
      .collection.find({ conversationId: id })
      .toArray();
    const ghost = rows.find((r) => (r.data as { id: string }).id !== message.id)!;
    expect(ghost.data).toMatchObject({ seq: 2, content: 'retried' });

    // The ghost holds the conversation until the grace period (1 s) ran out, then is dropped.
    await expect(drain()).resolves.toEqual({ published: 1, dropped: 1 });
    const reader = await readEvents([TOPICS.messages], id);
    try {
      await expectEventually(() => expect(reader.seen.map((e) => e.data.seq)).toEqual([1, 3]), {
        timeoutMs: 30_000,
      });
      expect(reader.seen.map((e) => e.id)).not.toContain(ghost._id);
    } finally {
      await reader.stop();
    }
  }, 60_000);

  it('keeps vouches bounded by count and age in Redis, and a vouch is taken once', async () => {
    let clock = 1_000_000;
    const own = new RedisChangeVouches(redis, `test-${randomUUID().slice(0, 8)}`, {
      ttlMs: 1000,
      maxEntries: 3,
      now: () => clock,
    });
    own.vouch(['a', 'b']);
    await own.settled();
    clock += 500;
    own.vouch(['c', 'd', 'e']);
    await own.settled();
    await expect(own.take(['a', 'b', 'c', 'd', 'e'].reverse())).resolves.toEqual(
      new Set(['c', 'd', 'e']),
    ); // the oldest went past the count
    own.vouch(['c', 'd']);
    await own.settled();
    clock += 2000;
    own.vouch(['f']);
    await own.settled();
    await expect(own.take(['c', 'd', 'f'])).resolves.toEqual(new Set(['f'])); // c, d too old
    await expect(own.take(['f'])).resolves.toEqual(new Set());
  });
});
