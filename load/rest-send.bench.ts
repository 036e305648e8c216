/**
 * REST sends on one node, against the raw driver on the same MongoDB-wire server in the same
 * run. Usage: npm run bench -- rest-send [--quick]
 */
import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { percentile, Row, throughput } from './lib/measure';
import { post, startNode, token } from './lib/node';
import { stackEnv, withDatabase } from './lib/stack';

const { MongoClient, ObjectId } = mongo;
type ObjectId = InstanceType<typeof ObjectId>;

export async function restSendBench(quick: boolean): Promise<Row[]> {
  const n = quick ? 300 : 2000;
  const rows: Row[] = [];

  // Ceilings: the driver alone, one document per round trip and 100 per insertMany.
  // A fresh database: FerretDB's SQLite backend scans whole collections for most filters,
  // so a run on top of old data would measure the old data.
  const mongoUrl = withDatabase(stackEnv().MONGO_URL, `bench_${Date.now()}`);
  const mongo = await MongoClient.connect(mongoUrl);
  const raw = mongo.db().collection('bench_raw');
  const doc = (i: number, conversationId: ObjectId) => ({
    conversationId,
    seq: i + 1,
    senderId: randomUUID(),
    clientMessageId: randomUUID(),
    content: `message ${i}`,
    createdAt: new Date(),
  });
  let conv = new ObjectId();
  const oneByOne = await throughput(n, 1, (i) => raw.insertOne(doc(i, conv)));
  conv = new ObjectId();
  const batches = Math.ceil(n / 100);
  const batched = await throughput(batches, 1, (b) =>
    raw.insertMany(
      Array.from({ length: 100 }, (_, i) => doc(b * 100 + i, conv)),
      { ordered: true },
    ),
  );
  const batchedDocs = (batched.perSecond * n) / batches;
  await raw.drop();

  const node = await startNode({ MONGO_URL: mongoUrl });
  try {
    const users = [randomUUID(), randomUUID(), randomUUID()];
    const tokens = await Promise.all(users.map(token));
    const group = await post(`${node.url}/conversations`, tokens[0], {
      type: 'group',
      name: 'bench',
      participants: users.slice(1),
    });
    const url = `${node.url}/conversations/${group.id}/messages`;
    const send = (i: number) =>
      post(url, tokens[i % 3], { content: `message ${i}`, clientMessageId: `b-${i}` });
    await throughput(50, 10, (i) => send(n * 10 + i)); // warm-up
    const sequential = await throughput(n, 1, send);
    const concurrent = await throughput(n, 64, (i) => send(n + i));

    rows.push(
      {
        name: 'insert path',
        metric: 'insertOne, one by one',
        value: oneByOne.perSecond,
        unit: 'docs/s',
      },
      {
        name: 'insert path',
        metric: 'insertMany, 100 per batch',
        value: batchedDocs,
        unit: 'docs/s',
        ceiling: oneByOne.perSecond,
        ratio: batchedDocs / oneByOne.perSecond,
      },
      {
        name: 'REST send, sequential',
        metric: 'sends/s vs raw insertOne',
        value: sequential.perSecond,
        unit: 'msg/s',
        ceiling: oneByOne.perSecond,
        ratio: sequential.perSecond / oneByOne.perSecond,
      },
      {
        name: 'REST send, sequential',
        metric: 'p50 latency',
        value: percentile(sequential.latencies, 50),
        unit: 'ms',
      },
      {
        name: 'REST send, 64 in flight',
        metric: 'sends/s vs raw insertMany',
        value: concurrent.perSecond,
        unit: 'msg/s',
        ceiling: batchedDocs,
        ratio: concurrent.perSecond / batchedDocs,
      },
      {
        name: 'REST send, 64 in flight',
        metric: 'p99 latency',
        value: percentile(concurrent.latencies, 99),
        unit: 'ms',
      },
    );
  } finally {
    await node.stop();
    await mongo.db().dropDatabase();
    await mongo.close();
  }
  return rows;
}
