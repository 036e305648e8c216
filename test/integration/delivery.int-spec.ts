import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import type { AppConfig } from '../../src/config/app-config';
import { ConversationsService } from '../../src/conversations/conversations.service';
import { messageCreated, TOPICS } from '../../src/events/chat-events';
import type { CloudEvent } from '../../src/events/cloud-event';
import { DeliveryProcessor } from '../../src/jobs/delivery-processor';
import { DeliveryQueue, deliveryJobId } from '../../src/jobs/delivery-queue';
import { RedisNotificationLedger } from '../../src/jobs/notification-ledger';
import type { Message } from '../../src/messages/message.types';
import { MessagesService } from '../../src/messages/messages.service';
import { RedisPresenceStore } from '../../src/presence/presence.redis-store';
import { startTestApp } from '../support/app';
import { expectEventually } from '../support/eventually';
import { readEvents } from '../support/kafka';
import { ChatClient, connectClient } from '../support/socket';
import { tokenFor } from '../support/tokens';

/** Notification events of `conversationId`, from the beginning of the topic, in order. */
const readNotifications = (conversationId: string) =>
  readEvents([TOPICS.notifications], conversationId);

const forUser = (events: CloudEvent[], userId: string) =>
  events.filter((e) => e.data.userId === userId);
const distinctIds = (events: CloudEvent[]) => new Set(events.map((e) => e.id));

describe('delivery: notifications for recipients without a live socket', () => {
  let app: NestFastifyApplication;
  let config: AppConfig;
  let redis: Redis;
  const [sender, offline, online] = [randomUUID(), randomUUID(), randomUUID()];
  let conversationId: string;
  const sent: Message[] = [];
  const sockets: ChatClient[] = [];

  beforeAll(async () => {
    let url: string;
    ({ app, config, url } = await startTestApp({ LOG_LEVEL: 'error' }));
    redis = new Redis(process.env.REDIS_URL!);
    // Real sockets: `online` on two devices; `offline` connected once and left.
    const token = await tokenFor(online);
    sockets.push(await connectClient(url, token), await connectClient(url, token));
    (await connectClient(url, await tokenFor(offline))).disconnect();
    const presence = new RedisPresenceStore(redis, config.cluster.prefix);
    await expectEventually(async () =>
      expect([...(await presence.isOnline([online, offline]))]).toEqual([online]),
    );
    const { conversation } = await app.get(ConversationsService).createConversation(sender, {
      type: 'group',
      name: 'delivery',
      participants: [offline, online],
    });
    conversationId = conversation.id;
    const messages = app.get(MessagesService);
    for (const content of ['first', 'second', 'x'.repeat(300)]) {
      sent.push((await messages.sendMessage(sender, conversationId, { content })).message);
    }
  }, 30_000);
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await app?.close();
    await redis?.quit();
  });

  it('notifies an offline recipient exactly once per message, never an online one', async () => {
    const reader = await readNotifications(conversationId);
    try {
      await expectEventually(
        () => expect(distinctIds(forUser(reader.seen, offline)).size).toBe(3),
        {
          timeoutMs: 30_000,
        },
      );
      // Each job publishes all of a message's notifications in one batch: the offline user's
      // arrived, so the others would have too.
      expect(forUser(reader.seen, online)).toEqual([]);
      expect(forUser(reader.seen, sender)).toEqual([]);
      // Jobs run concurrently (DELIVERY_CONCURRENCY): messages' notifications come in any order.
      const first = forUser(reader.seen, offline).find((e) => e.data.messageId === sent[0].id);
      expect(first).toEqual({
        specversion: '1.0',
        id: `chat.notification.requested:${sent[0].id}:${offline}`,
        source: '/parley',
        type: 'chat.notification.requested',
        time: sent[0].createdAt.toISOString(),
        subject: conversationId,
        datacontenttype: 'application/json',
        data: {
          userId: offline,
          conversationId,
          messageId: sent[0].id,
          seq: 1,
          senderId: sender,
          preview: 'first',
        },
      });
      const last = forUser(reader.seen, offline).find((e) => e.data.messageId === sent[2].id)!;
      expect(last.data.preview).toBe('x'.repeat(140));
    } finally {
      await reader.stop();
    }
  }, 60_000);

  it('a job that runs again, or is enqueued again, publishes nothing new', async () => {
    const queue = app.get(DeliveryQueue).queue;
    const jobId = deliveryJobId(conversationId, 1);
    const done = await expectEventually(async () => {
      const job = await queue.getJob(jobId);
      expect(job?.finishedOn).toBeDefined();
      return job!;
    });
    // The relay republishing the message (a relay that died before marking it) re-adds the job:
    // BullMQ keeps the finished job, so nothing runs again.
    await app.get(DeliveryQueue).published([messageCreated(sent[0])]);
    expect((await queue.getJob(jobId))?.finishedOn).toBe(done.finishedOn);

    // A stalled job runs again: it finds its events published and publishes nothing.
    const processor = app.get(DeliveryProcessor);
    const firstRun = await processor.process(done.data);
    const secondRun = await processor.process(done.data);
    expect(secondRun).toEqual(firstRun);
    expect(firstRun).toEqual([`chat.notification.requested:${sent[0].id}:${offline}`]);

    // A later message's notification follows everything published before it in the
    // conversation's partition: once it is seen, a duplicate would have been too.
    const later = (
      await app.get(MessagesService).sendMessage(sender, conversationId, { content: 'later' })
    ).message;
    const reader = await readNotifications(conversationId);
    try {
      await expectEventually(
        () => expect(reader.seen.some((e) => e.data.messageId === later.id)).toBe(true),
        { timeoutMs: 30_000 },
      );
      expect(reader.seen.filter((e) => e.id === firstRun[0])).toHaveLength(1);
      expect(reader.seen).toHaveLength(distinctIds(reader.seen).size); // one event per id
    } finally {
      await reader.stop();
    }
  }, 60_000);

  it('a message deleted before its job ran notifies nobody', async () => {
    const queue = app.get(DeliveryQueue).queue;
    const messages = app.get(MessagesService);
    await queue.pause(); // workers take no job until resumed
    let later: Message;
    try {
      const doomed = (await messages.sendMessage(sender, conversationId, { content: 'oops' }))
        .message;
      const jobId = deliveryJobId(conversationId, doomed.seq);
      // The relay enqueued it with what the notification says, so no read of the message.
      const job = await expectEventually(async () => {
        const found = await queue.getJob(jobId);
        expect(found).toBeDefined();
        return found!;
      });
      expect(job.data).toMatchObject({
        preview: 'oops',
        createdAt: doomed.createdAt.toISOString(),
      });
      await messages.deleteMessage(sender, conversationId, doomed.id);
      // The deletion's event takes the waiting job out.
      await expectEventually(async () => expect(await queue.getJob(jobId)).toBeUndefined());
      later = (await messages.sendMessage(sender, conversationId, { content: 'after' })).message;
    } finally {
      await queue.resume();
    }
    const reader = await readNotifications(conversationId);
    try {
      await expectEventually(
        () => expect(reader.seen.some((e) => e.data.messageId === later.id)).toBe(true),
        { timeoutMs: 30_000 },
      );
      expect(reader.seen.filter((e) => e.data.preview === 'oops')).toEqual([]);
    } finally {
      await reader.stop();
    }
  }, 60_000);

  /** A new group of `sender` and `others`, with the delivery queue paused: jobs wait. */
  async function pausedGroup(others: string[]) {
    await app.get(DeliveryQueue).queue.pause();
    const { conversation } = await app.get(ConversationsService).createConversation(sender, {
      type: 'group',
      name: 'as sent',
      participants: others,
    });
    return conversation.id;
  }

  /** The waiting job of `message`, once the relay enqueued it. */
  const jobOf = (message: Message) =>
    expectEventually(async () => {
      const job = await app
        .get(DeliveryQueue)
        .queue.getJob(deliveryJobId(message.conversationId, message.seq));
      expect(job).toBeDefined();
      return job!;
    });

  it('notifies the recipients as of the send: removed after it still notified, added after not', async () => {
    const [leaver, joiner] = [randomUUID(), randomUUID()];
    const conversations = app.get(ConversationsService);
    let message: Message;
    try {
      const id = await pausedGroup([offline, leaver]);
      message = (await app.get(MessagesService).sendMessage(sender, id, { content: 'hi' })).message;
      // The job carries them, so it reads no conversation when it runs.
      expect((await jobOf(message)).data.recipients?.sort()).toEqual([offline, leaver].sort());
      await conversations.updateConversation(sender, id, {
        removeParticipants: [leaver],
        addParticipants: [joiner],
      });
    } finally {
      await app.get(DeliveryQueue).queue.resume();
    }
    const reader = await readNotifications(message.conversationId);
    const created = await readEvents([TOPICS.messages], message.conversationId);
    try {
      await expectEventually(
        () =>
          expect(reader.seen.map((e) => e.data.userId).sort()).toEqual([offline, leaver].sort()),
        { timeoutMs: 30_000 },
      );
      expect(forUser(reader.seen, joiner)).toEqual([]);
      // Recipients ride in the outbox row and the job only: Kafka's event has none.
      const event = await expectEventually(() => {
        expect(created.seen).toHaveLength(1);
        return created.seen[0];
      });
      expect(event.data.id).toBe(message.id);
      expect(event).not.toHaveProperty('recipients');
      expect(event.data).not.toHaveProperty('recipients');
    } finally {
      await reader.stop();
      await created.stop();
    }
  }, 60_000);

  it('a conversation deleted before its job ran notifies nobody', async () => {
    const queue = app.get(DeliveryQueue).queue;
    let message: Message;
    try {
      const id = await pausedGroup([offline]);
      message = (await app.get(MessagesService).sendMessage(sender, id, { content: 'gone' }))
        .message;
      await jobOf(message);
      await app.get(ConversationsService).deleteConversation(sender, id);
      // The relay tells delivery once it publishes the deletion (after the message's event).
      const ledger = app.get(RedisNotificationLedger);
      await expectEventually(async () =>
        expect((await ledger.lookup(message.id, id)).closed).toBe(true),
      );
    } finally {
      await queue.resume();
    }
    const done = await expectEventually(async () => {
      const job = await jobOf(message);
      expect(job.finishedOn).toBeDefined();
      return job;
    });
    expect(done.returnvalue).toEqual([]);
  }, 60_000);

  it('a job without recipients (a conversation over the bound) reads them at delivery time', async () => {
    const [leaver] = [randomUUID()];
    let message: Message;
    try {
      const id = await pausedGroup([offline, leaver]);
      message = (await app.get(MessagesService).sendMessage(sender, id, { content: 'big' }))
        .message;
      const job = await jobOf(message);
      await job.remove(); // run by hand below, as a job enqueued without recipients
      await app.get(ConversationsService).updateConversation(sender, id, {
        removeParticipants: [leaver],
      });
      const { recipients, ...uncarried } = job.data;
      expect(recipients).toBeDefined();
      const ids = await app.get(DeliveryProcessor).process(uncarried);
      expect(ids).toEqual([`chat.notification.requested:${message.id}:${offline}`]);
    } finally {
      await app.get(DeliveryQueue).queue.resume();
    }
  }, 60_000);
});
