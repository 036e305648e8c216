import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Types } from 'mongoose';
import { Kafka, logLevel } from 'kafkajs';
import { ConversationsService } from '../../src/conversations/conversations.service';
import { CHANGE_LOG, ChangeLog } from '../../src/events/change-log';
import { messageCreated, TOPICS } from '../../src/events/chat-events';
import type { CloudEvent } from '../../src/events/cloud-event';
import { MessagesService } from '../../src/messages/messages.service';
import { startTestApp } from '../support/app';
import { expectEventually } from '../support/eventually';

interface Received {
  topic: string;
  key: string;
  contentType: string;
  event: CloudEvent;
}

/** Reads `topics` from the beginning with a fresh consumer group, keeping the keys `keep` wants. */
async function readTopics(topics: string[], keep: (key: string) => boolean) {
  const kafka = new Kafka({
    clientId: 'events-it',
    brokers: process.env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `events-it-${randomUUID()}` });
  const seen: Received[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      // Shared topics may hold anything (other tests, probes): skip what is not ours to parse.
      const key = message.key?.toString() ?? '';
      if (!keep(key)) return;
      seen.push({
        topic,
        key,
        contentType: String(message.headers?.['content-type'] ?? ''),
        event: JSON.parse(message.value!.toString()) as CloudEvent,
      });
    },
  });
  return { seen, stop: () => consumer.disconnect() };
}

/** Each id once, in the order of its first arrival (consumers deduplicate by id). */
const firstSeen = (rs: Received[]) => [...new Map(rs.map((r) => [r.event.id, r])).values()];

describe('Kafka events from the outbox relay', () => {
  let app: NestFastifyApplication;
  let url: string;
  let conversations: ConversationsService;
  let messages: MessagesService;

  beforeAll(async () => {
    ({ app, url } = await startTestApp({ OUTBOX_GRACE_MS: '2000', LOG_LEVEL: 'error' }));
    conversations = app.get(ConversationsService);
    messages = app.get(MessagesService);
  }, 30_000);
  afterAll(() => app?.close());

  it('publishes every change as a CloudEvent keyed by conversation, in order', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const { conversation } = await conversations.createConversation(a, {
      type: 'group',
      name: 'events',
      participants: [b],
    });
    const id = conversation.id;
    const sent = [];
    for (let i = 0; i < 5; i++)
      sent.push((await messages.sendMessage(a, id, { content: `m${i}` })).message);
    await messages.editMessage(a, id, sent[1].id, 'edited');
    await messages.deleteMessage(a, id, sent[2].id);
    await conversations.updateConversation(a, id, { name: 'renamed', addParticipants: [c] });
    await conversations.deleteConversation(a, id);

    const reader = await readTopics([TOPICS.messages, TOPICS.conversations], (key) => key === id);
    try {
      const types = (topic: string) =>
        firstSeen(reader.seen.filter((r) => r.topic === topic)).map((r) => r.event.type);
      await expectEventually(
        () => {
          expect(types(TOPICS.messages)).toEqual([
            ...Array(5).fill('chat.message.created'),
            'chat.message.updated',
            'chat.message.deleted',
          ]);
          expect(types(TOPICS.conversations)).toEqual([
            'chat.conversation.created',
            'chat.conversation.updated',
            'chat.participant.added',
            'chat.conversation.deleted',
          ]);
        },
        { timeoutMs: 30_000 },
      );
      const created = firstSeen(reader.seen).filter((r) => r.event.type === 'chat.message.created');
      expect(created.map((r) => r.event.data.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(created[0].event).toEqual({
        specversion: '1.0',
        id: `chat.message.created:${sent[0].id}`,
        source: '/parley',
        type: 'chat.message.created',
        time: sent[0].createdAt.toISOString(),
        subject: id,
        datacontenttype: 'application/json',
        data: expect.objectContaining({
          id: sent[0].id,
          conversationId: id,
          seq: 1,
          content: 'm0',
        }),
      });
      expect(created[0].contentType).toBe('application/cloudevents+json; charset=UTF-8');
      const deleted = reader.seen.find((r) => r.event.type === 'chat.message.deleted')!;
      expect(deleted.event.data).not.toHaveProperty('content');
      const added = reader.seen.find((r) => r.event.type === 'chat.participant.added')!;
      expect(added.event.data).toEqual({ conversationId: id, userId: c });
    } finally {
      await reader.stop();
    }
  }, 60_000);

  it('publishes chat.reaction.updated in seq order per conversation, ending at the stored state', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const { conversation } = await conversations.createConversation(a, {
      type: 'private',
      participants: [b],
    });
    const id = conversation.id;
    const sent = [];
    for (let i = 0; i < 3; i++)
      sent.push((await messages.sendMessage(a, id, { content: `m${i}` })).message);
    for (const m of sent) await messages.react(b, id, m.id, '👍', true);
    await messages.react(a, id, sent[2].id, ':tada:', true);
    const last = await messages.react(b, id, sent[2].id, '👍', false);

    const reader = await readTopics([TOPICS.messages], (key) => key === id);
    try {
      const reactions = () =>
        firstSeen(reader.seen).filter((r) => r.event.type === 'chat.reaction.updated');
      await expectEventually(() => expect(reactions()).toHaveLength(5), { timeoutMs: 30_000 });
      // After each message's creation, in the order the actor applied them.
      const order = firstSeen(reader.seen).map((r) => [r.event.type, r.event.data.seq]);
      expect(order).toEqual([
        ['chat.message.created', 1],
        ['chat.message.created', 2],
        ['chat.message.created', 3],
        ['chat.reaction.updated', 1],
        ['chat.reaction.updated', 2],
        ['chat.reaction.updated', 3],
        ['chat.reaction.updated', 3],
        ['chat.reaction.updated', 3],
      ]);
      const final = reactions().at(-1)!.event;
      expect(final).toMatchObject({
        subject: id,
        data: { messageId: sent[2].id, conversationId: id },
      });
      expect(final.data.reactions).toEqual(JSON.parse(JSON.stringify(last.reactions)));
      expect(last.reactions).toEqual([{ emoji: ':tada:', count: 1, userIds: [a] }]);
    } finally {
      await reader.stop();
    }
  }, 60_000);

  it('drops an event whose change never landed, after the grace period, and goes on', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const { conversation } = await conversations.createConversation(a, {
      type: 'private',
      participants: [b],
    });
    const now = new Date();
    // Prepared like a send whose insert then failed: the message is never stored.
    const ghost = messageCreated({
      ...{ id: new Types.ObjectId().toHexString(), conversationId: conversation.id, seq: 1 },
      ...{ senderId: a, content: 'never stored', attachments: [], parentId: null, replyCount: 0 },
      ...{ lastReplyAt: null, replyUserIds: [], reactions: [] },
      ...{ createdAt: now, updatedAt: now, editedAt: null, deletedAt: null },
      ...{ deliveredTo: [], readBy: [], clientMessageId: randomUUID() },
    });
    await app.get<ChangeLog>(CHANGE_LOG).prepare([ghost]);
    const { message } = await messages.sendMessage(a, conversation.id, { content: 'real' });

    const reader = await readTopics([TOPICS.messages], (key) => key === conversation.id);
    try {
      await expectEventually(
        () => expect(reader.seen.map((r) => r.event.data.id)).toContain(message.id),
        { timeoutMs: 30_000 },
      );
      expect(reader.seen.map((r) => r.event.id)).not.toContain(ghost.id);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(
        /^parley_outbox_events_dropped_total\{type="chat.message.created"\} [1-9]/m,
      );
      expect(metrics).toMatch(/^parley_outbox_relay_leader 1$/m);
    } finally {
      await reader.stop();
    }
  }, 60_000);
});
