import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka, logLevel } from 'kafkajs';
import type { Model } from 'mongoose';
import { ConversationsService } from '../../src/conversations/conversations.service';
import { TOPICS } from '../../src/events/chat-events';
import type { CloudEvent } from '../../src/events/cloud-event';
import { EventPublisher } from '../../src/events/event-publisher';
import { OutboxRelay } from '../../src/events/outbox-relay';
import { OUTBOX_MODEL, OutboxDoc } from '../../src/events/outbox.schema';
import { MessagesService } from '../../src/messages/messages.service';
import { startTestApp } from '../support/app';
import { expectEventually } from '../support/eventually';
import { stackService } from '../support/stack-control';

/** Every event of `conversationId` on the messages topic, from the beginning, in order. */
async function readConversation(conversationId: string) {
  const kafka = new Kafka({
    clientId: 'events-outage-it',
    brokers: process.env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `events-outage-it-${randomUUID()}` });
  const seen: CloudEvent[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPICS.messages], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() === conversationId)
        seen.push(JSON.parse(message.value!.toString()) as CloudEvent);
    },
  });
  return { seen, stop: () => consumer.disconnect() };
}

const countById = (events: CloudEvent[]) => {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  return counts;
};

// Apps of this file share one database: only one relay runs at a time.
const APP = {
  LOG_LEVEL: 'fatal',
  SEND_RATE_BURST: '1000',
  KAFKA_PUBLISH_TIMEOUT_MS: '3000',
};

describe('outbox relay through failures', () => {
  let app: NestFastifyApplication | undefined;
  afterEach(() => app?.close());

  it('takes sends while Kafka is down and publishes them all, in order, once it is back', async () => {
    ({ app } = await startTestApp(APP));
    const messages = app.get(MessagesService);
    const [a, b] = [randomUUID(), randomUUID()];
    const { conversation } = await app.get(ConversationsService).createConversation(a, {
      type: 'private',
      participants: [b],
    });
    const outbox = app.get<Model<OutboxDoc>>(OUTBOX_MODEL);
    await expectEventually(async () => expect(await outbox.countDocuments({})).toBe(0), {
      timeoutMs: 30_000,
    }); // the conversation's own event is out: nothing is on its way to Kafka
    // Watches (and calls through to) the real publisher: who publishes, and how it ends. The
    // relay calls it synchronously from publishBatch, so `fromRelay` tells its calls apart.
    const publisher = app.get(EventPublisher);
    const relay = app.get(OutboxRelay);
    const [publish, publishBatch] = [
      publisher.publish.bind(publisher),
      relay.publishBatch.bind(relay),
    ];
    const seen = { relay: 0, other: 0, succeeded: 0 };
    let fromRelay = false;
    jest.spyOn(relay, 'publishBatch').mockImplementation((rows) => {
      fromRelay = true;
      try {
        return publishBatch(rows);
      } finally {
        fromRelay = false;
      }
    });
    jest.spyOn(publisher, 'publish').mockImplementation(async (events) => {
      seen[fromRelay ? 'relay' : 'other']++;
      await publish(events);
      seen.succeeded++;
    });
    await stackService('stop', 'kafka');
    try {
      for (let i = 0; i < 50; i++) {
        await messages.sendMessage(i % 2 ? a : b, conversation.id, { content: `m${i}` });
        // Stored and acknowledged with no publish of its own: a send never waits on Kafka.
        expect(seen.other).toBe(0);
      }
      // Meanwhile the relay was trying Kafka, and nothing got through.
      await expectEventually(() => expect(seen.relay).toBeGreaterThan(0), { timeoutMs: 30_000 });
      expect(seen).toMatchObject({ other: 0, succeeded: 0 });
    } finally {
      await stackService('start', 'kafka');
    }

    const reader = await readConversation(conversation.id);
    try {
      await expectEventually(() => expect(countById(reader.seen).size).toBe(50), {
        timeoutMs: 90_000,
        intervalMs: 500,
      });
      const firsts = [...new Map(reader.seen.map((e) => [e.id, e])).values()];
      expect(firsts.map((e) => e.data.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    } finally {
      await reader.stop();
    }
  }, 180_000);

  it('a relay that dies between publish and mark republishes only what it had not marked', async () => {
    ({ app } = await startTestApp({ ...APP, RELAY_ENABLED: 'false' }));
    const [a, b] = [randomUUID(), randomUUID()];
    const { conversation } = await app.get(ConversationsService).createConversation(a, {
      type: 'private',
      participants: [b],
    });
    for (let i = 0; i < 20; i++) {
      await app.get(MessagesService).sendMessage(a, conversation.id, { content: `m${i}` });
    }
    const relay = app.get(OutboxRelay);
    const batch = await relay.pickBatch();
    const ready = batch.ready.filter((r) => r.conversationId === conversation.id);
    expect(ready.filter((r) => r.type === 'chat.message.created')).toHaveLength(20);
    await relay.publishBatch(ready);
    const marked = ready.slice(0, 12);
    await relay.markPublished(marked);
    await app.close(); // the crash: the other events are in Kafka but still pending

    ({ app } = await startTestApp(APP)); // the next leader, on the same outbox
    const outbox = app.get<Model<OutboxDoc>>(OUTBOX_MODEL);
    await expectEventually(async () => expect(await outbox.countDocuments({})).toBe(0), {
      timeoutMs: 30_000,
    });
    const reader = await readConversation(conversation.id);
    try {
      const messageIds = ready.filter((r) => r.topic === TOPICS.messages).map((r) => r.id);
      await expectEventually(() => {
        const counts = countById(reader.seen);
        for (const id of messageIds)
          expect(counts.get(id)).toBe(marked.some((m) => m.id === id) ? 1 : 2);
      });
      expect(countById(reader.seen).size).toBe(messageIds.length);
    } finally {
      await reader.stop();
    }
  }, 120_000);
});
