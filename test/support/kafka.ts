import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { CloudEvent } from '../../src/events/cloud-event';

/**
 * The CloudEvents keyed `key` on `topics`, from the beginning of the topics, in the order
 * they arrive (a fresh consumer group each time). Shared topics may hold anything (other
 * tests, probes): records of other keys are skipped unparsed.
 */
export async function readEvents(topics: string[], key: string) {
  const kafka = new Kafka({
    clientId: 'parley-it',
    brokers: process.env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `parley-it-${randomUUID()}` });
  const seen: CloudEvent[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() === key)
        seen.push(JSON.parse(message.value!.toString()) as CloudEvent);
    },
  });
  return { seen, stop: () => consumer.disconnect() };
}
