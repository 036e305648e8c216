/**
 * S6 persistence: acknowledged (so stored) socket sends per second, against the raw driver's
 * insertMany of message-shaped documents on the same database, measured in the same run; and
 * what each costs the database's processes in CPU.
 */
import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { CpuMeter, databasePids, describeDatabase } from '../cpu';
import { pool } from '../processes';
import { Row, row, ScenarioOutput } from '../results';
import { stackEnv, withDatabase } from '../stack';
import { Context, describeCpu, stackMeter, withRooms } from './context';

const { MongoClient, ObjectId } = mongo;
const BATCH = 100;
const ROOMS = 32;

/**
 * Documents per second the driver inserts, `inflight` batches of BATCH at a time, and the
 * database's CPU milliseconds per document meanwhile.
 */
async function rawInsertMany(
  runId: string,
  docs: number,
  inflight: number,
): Promise<{ perSecond: number; dbMsPerDoc: number }> {
  const client = await MongoClient.connect(
    withDatabase(stackEnv().MONGO_URL, `bench_${runId}_raw`),
  );
  try {
    const coll = client.db().collection('messages');
    const conversations = Array.from({ length: ROOMS }, () => new ObjectId());
    const seqs = conversations.map(() => 0);
    const doc = (k: number) => {
      const c = k % ROOMS;
      const at = new Date();
      return {
        conversationId: conversations[c],
        seq: ++seqs[c],
        senderId: randomUUID(),
        content: `${Date.now()}|raw|the quick brown fox jumps over the lazy dog, again and again`,
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
    await coll.insertMany(Array.from({ length: BATCH }, (_, k) => doc(k))); // creates the collection
    const batches = Math.ceil(docs / BATCH);
    const meter = new CpuMeter({ database: databasePids });
    meter.start();
    const t0 = performance.now();
    await pool(batches, inflight, (b) =>
      coll.insertMany(
        Array.from({ length: BATCH }, (_, k) => doc(b * BATCH + k)),
        { ordered: true },
      ),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = meter.stop().cpu.database;
    return { perSecond: (batches * BATCH) / seconds, dbMsPerDoc: (cpu * 1000) / (batches * BATCH) };
  } finally {
    await client.db().dropDatabase();
    await client.close();
  }
}

export async function persistenceScenario(ctx: Context): Promise<ScenarioOutput> {
  const { persistMs, persistInflight, rawDocs } = ctx.sizes;
  const parley = await ctx.freshParley('s6');
  const before = await parley.storedMessages();
  const meter = stackMeter(ctx, parley);
  const database = describeDatabase();
  const db = new CpuMeter({ database: databasePids });
  let cpu = '';
  let dbSeconds = NaN;
  let storedMeanwhile = 0;
  const sends = await withRooms(ctx, parley, ROOMS, 2, async () => {
    const first = await parley.storedMessages();
    meter.start();
    db.start();
    // Until every send in flight was answered: the database's work for each is in the window.
    const done = await ctx.gen.closed(persistInflight, persistMs);
    dbSeconds = db.stop().cpu.database;
    cpu = describeCpu(meter.stop());
    storedMeanwhile = (await parley.storedMessages()) - first;
    return done;
  });
  const stored = (await parley.storedMessages()) - before;
  const perSecond = sends.acked / (persistMs / 1000);
  console.error(
    `bench: S6 Parley: ${sends.acked} acknowledged in ${persistMs} ms (refused ${sends.failed}${
      sends.firstError ? `, first ${sends.firstError}` : ''
    }), ack p50 ${sends.latency.p50.toFixed(1)} p99 ${sends.latency.p99.toFixed(1)} ms; ${stored} stored`,
  );
  // The best of one batch at a time and four: the ceiling is what the driver can do.
  const one = await rawInsertMany(ctx.runId, rawDocs, 1);
  const four = await rawInsertMany(ctx.runId, rawDocs, 4);
  const best = one.perSecond >= four.perSecond ? one : four;
  const raw = best.perSecond;
  const dbMsPerMessage = storedMeanwhile > 0 ? (dbSeconds * 1000) / storedMeanwhile : NaN;
  console.error(
    `bench: S6 raw insertMany: ${one.perSecond.toFixed(0)} docs/s one batch at a time, ${four.perSecond.toFixed(0)} four; ` +
      `${database} CPU ${dbMsPerMessage.toFixed(2)} ms per stored message, ${best.dbMsPerDoc.toFixed(3)} per raw document`,
  );
  const rows: Row[] = [
    row({
      key: 's6.stored',
      scenario: 'S6',
      name: `${persistInflight} sends in flight over ${ROOMS} conversations`,
      metric: `stored messages/s vs raw insertMany (${BATCH} per batch, best of 1 and 4 in flight)`,
      value: perSecond,
      unit: 'msg/s',
      ceiling: raw,
    }),
    row({
      scenario: 'S6',
      name: `${persistInflight} sends in flight over ${ROOMS} conversations`,
      metric: 'send→ack p99 (ack = stored)',
      value: sends.latency.p99,
      unit: 'ms',
    }),
    row({
      key: 's6.db-cpu',
      scenario: 'S6',
      name: `${persistInflight} sends in flight over ${ROOMS} conversations`,
      metric: `${database} CPU per stored message vs per document of the raw insertMany`,
      value: dbMsPerMessage,
      unit: 'CPU-ms',
      ceiling: best.dbMsPerDoc,
    }),
  ];
  return { rows, notes: [`CPU while Parley was loaded: ${cpu}.`] };
}
