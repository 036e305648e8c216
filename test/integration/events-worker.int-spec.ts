import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka, logLevel } from 'kafkajs';
import { ClusterMembership } from '../../src/cluster/cluster-membership';
import type { AppConfig } from '../../src/config/app-config';
import { ConversationsService } from '../../src/conversations/conversations.service';
import { TOPICS } from '../../src/events/chat-events';
import type { CloudEvent } from '../../src/events/cloud-event';
import { MessagesService } from '../../src/messages/messages.service';
import { startTestApp } from '../support/app';
import { expectEventually } from '../support/eventually';
import { ROOT, stackEnv } from '../support/stack-env';

/** `npm run worker` (dist/worker.js, so run `npm run build` first) beside a gateway. */
describe('the worker process', () => {
  let app: NestFastifyApplication;
  let config: AppConfig;
  let worker: ChildProcess;
  let output = '';
  const workerId = `worker-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    ({ app, config } = await startTestApp({
      RELAY_ENABLED: 'false',
      WORKERS_ENABLED: 'false',
      LOG_LEVEL: 'error',
    }));
    worker = spawn(process.execPath, [join(ROOT, 'dist', 'worker.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        ...stackEnv(),
        MONGO_URL: config.mongo.url,
        CLUSTER_PREFIX: config.cluster.prefix,
        NODE_ID: workerId,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await expectEventually(() => expect(output).toContain('parley worker running'));
  }, 60_000);
  afterAll(async () => {
    if (worker.exitCode === null) worker.kill('SIGKILL');
    await app?.close();
  });

  it('relays the gateway’s events without joining its cluster, and stops cleanly', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const { conversation } = await app.get(ConversationsService).createConversation(a, {
      type: 'private',
      participants: [b],
    });
    const { message } = await app.get(MessagesService).sendMessage(a, conversation.id, {
      content: 'via the worker',
    });

    const kafka = new Kafka({
      brokers: process.env.KAFKA_BROKERS!.split(','),
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `events-worker-it-${randomUUID()}` });
    const seen: CloudEvent[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPICS.messages], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message: m }) => {
        if (m.key?.toString() === conversation.id) seen.push(JSON.parse(m.value!.toString()));
      },
    });
    try {
      await expectEventually(() => expect(seen.map((e) => e.data.id)).toContain(message.id), {
        timeoutMs: 30_000,
      });
    } finally {
      await consumer.disconnect();
    }
    expect(output).toContain('"held":true'); // it took the relay lease
    expect(app.get(ClusterMembership).liveNodes()).not.toContain(workerId);

    const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
