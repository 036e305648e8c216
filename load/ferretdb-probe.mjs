// The driver against one FerretDB holding a realistic messages collection: the figures of
// issue 11's backend table (SQLite vs PostgreSQL), on whatever backend MONGO_URL serves.
//
//   node load/ferretdb-probe.mjs [--messages 98000] [--conversations 1000] [--url mongodb://…]
//
// The URL defaults to MONGO_URL, then to .stack/env's. It loads a fresh database
// (`probe_<epoch>`, dropped at the end) with the project's two unique message indexes,
// then prints one markdown row per operation (median of 5 unless said).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';

const { MongoClient, ObjectId } = mongoose.mongo;
const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '98000' },
    conversations: { type: 'string', default: '1000' },
    url: { type: 'string' },
  },
});
const MESSAGES = Number(values.messages);
const CONVERSATIONS = Number(values.conversations);
const BATCH = 100;

function stackMongoUrl() {
  const env = readFileSync(new URL('../.stack/env', import.meta.url), 'utf8');
  const line = env.split('\n').find((l) => l.startsWith('MONGO_URL='));
  if (!line) throw new Error('no MONGO_URL in .stack/env: run `npm run stack:up`');
  return line.slice('MONGO_URL='.length);
}

const url = new URL(values.url ?? process.env.MONGO_URL ?? stackMongoUrl());
url.pathname = `/probe_${Math.floor(Date.now() / 1000)}`;
const client = await MongoClient.connect(url.toString(), { maxPoolSize: 64 });
const db = client.db();
const messages = db.collection('messages');
const ms = (t0) => performance.now() - t0;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
const report = (what, figure) => {
  rows.push(`| ${what} | ${figure} |`);
  console.error(`${what}: ${figure}`);
};

try {
  await messages.createIndex(
    { conversationId: 1, seq: 1 },
    { unique: true, name: 'conversation_seq' },
  );
  await messages.createIndex(
    { conversationId: 1, senderId: 1, clientMessageId: 1 },
    { unique: true, name: 'conversation_sender_client' },
  );
  const conversations = Array.from({ length: CONVERSATIONS }, () => new ObjectId());
  const seqs = conversations.map(() => 0);
  const doc = (k) => {
    const c = k % CONVERSATIONS;
    const at = new Date();
    return {
      conversationId: conversations[c],
      seq: ++seqs[c],
      senderId: randomUUID(),
      content: `message ${k}: the quick brown fox jumps over the lazy dog, again and again`,
      attachments: [],
      parentId: null,
      replyCount: 0,
      reactions: [],
      deliveredTo: [],
      readBy: [],
      clientMessageId: randomUUID(),
      createdAt: at,
      updatedAt: at,
    };
  };

  let t0 = performance.now();
  for (let k = 0; k < MESSAGES; k += BATCH) {
    await messages.insertMany(
      Array.from({ length: Math.min(BATCH, MESSAGES - k) }, (_, i) => doc(k + i)),
    );
  }
  report(
    `\`insertMany\`, ${BATCH} per batch (loading ${MESSAGES})`,
    `${Math.round(MESSAGES / (ms(t0) / 1000))} docs/s`,
  );

  const someIds = await messages
    .find({}, { projection: { _id: 1 } })
    .limit(2000)
    .toArray();
  const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
  const timed = async (what, fn) => {
    const runs = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await fn();
      runs.push(ms(t));
    }
    report(what, `${Math.round(median(runs))} ms`);
  };
  await timed('newest 50 of one conversation (`find` + sort + limit)', () =>
    messages
      .find({ conversationId: pick(conversations) })
      .sort({ seq: -1 })
      .limit(50)
      .toArray(),
  );
  await timed('`countDocuments` of one conversation', () =>
    messages.countDocuments({ conversationId: pick(conversations) }),
  );
  await timed('`findOne({ _id })`', () => messages.findOne({ _id: pick(someIds)._id }));
  await timed('`updateOne({ _id })`', () =>
    messages.updateOne({ _id: pick(someIds)._id }, { $set: { content: randomUUID() } }),
  );

  let failed = 0;
  let firstError = '';
  for (let round = 0; round < 20; round++) {
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, () =>
        messages.updateOne({ _id: pick(someIds)._id }, { $inc: { replyCount: 1 } }),
      ),
    );
    for (const r of results) {
      if (r.status === 'rejected') {
        failed++;
        firstError ||= String(r.reason?.message ?? r.reason).slice(0, 80);
      }
    }
  }
  report(
    '32 concurrent `updateOne({ _id })`, 20 rounds',
    failed ? `${failed} of 640 failed: ${firstError}` : 'all 640 succeeded',
  );

  t0 = performance.now();
  let inserted = 0;
  for (let round = 0; round < 20; round++) {
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) => messages.insertOne(doc(MESSAGES + round * 32 + i))),
    );
    inserted += results.filter((r) => r.status === 'fulfilled').length;
  }
  report(
    '32 concurrent `insertOne`, 20 rounds',
    `${Math.round(inserted / (ms(t0) / 1000))} docs/s (${inserted} of 640 stored)`,
  );
} finally {
  await db.dropDatabase().catch(() => undefined);
  await client.close();
}
console.log(`| operation (${MESSAGES} messages in ${CONVERSATIONS} conversations) | ${url.host} |`);
console.log('| --- | --- |');
for (const r of rows) console.log(r);
