/**
 * A1 attachments (issue 13): what an attachment adds to a send. Each round, one after the
 * other on a fresh one-node Parley: presign (POST /conversations/:id/attachments), upload
 * 100 KB straight to S3 through the presigned POST, send a message carrying it (REST), and
 * a plain send without an attachment (the ceiling). Rounds alternate the two kinds of
 * send, so a machine that gets busier weighs on both alike. p50 and p99 of each step.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { post, startNode, stopChild, token } from '../processes';
import { Row, row, ScenarioOutput } from '../results';
import { percentile } from '../search';
import { stackEnv, withDatabase } from '../stack';
import type { Context } from './context';

const FILE_BYTES = 100 * 1024;
const log = (what: string) => console.error(`bench: A1 ${what}`);

async function timed<T>(into: number[], op: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await op();
  into.push(performance.now() - t0);
  return out;
}

export async function attachmentsScenario(ctx: Context): Promise<ScenarioOutput> {
  await ctx.releaseParley();
  const rounds = ctx.quick ? 60 : 300;
  const database = `bench_att_${Date.now()}_${randomBytes(2).toString('hex')}`;
  const mongoUrl = withDatabase(stackEnv().MONGO_URL, database);
  const node = await startNode({
    MONGO_URL: mongoUrl,
    CLUSTER_PREFIX: `bench-att-${randomBytes(4).toString('hex')}`,
    // A round sends twice as fast as a person would: no rate limit in the way.
    SEND_RATE_PER_SECOND: '1000',
    SEND_RATE_BURST: '10000',
  });
  const steps = { presign: [] as number[], upload: [] as number[], attach: [] as number[] };
  const plain: number[] = [];
  const total: number[] = [];
  try {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const tok = await token(alice);
    const group = await post(`${node.url}/conversations`, tok, {
      type: 'group',
      name: 'a1',
      participants: [bob],
    });
    const base = `${node.url}/conversations/${group.id}`;
    const file = Buffer.alloc(FILE_BYTES, 0x20);
    file.write('%PDF-1.7\n');
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const { attachment, upload } = await timed(steps.presign, () =>
        post(`${base}/attachments`, tok, {
          fileName: `a1-${i}.pdf`,
          fileType: 'application/pdf',
          fileSize: FILE_BYTES,
        }),
      );
      await timed(steps.upload, async () => {
        const form = new FormData();
        for (const [k, v] of Object.entries(upload.fields as Record<string, string>))
          form.append(k, v);
        form.append('file', new Blob([file]), 'a1.pdf');
        const res = await fetch(upload.url, { method: 'POST', body: form });
        if (!res.ok) throw new Error(`upload: ${res.status} ${await res.text()}`);
      });
      await timed(steps.attach, () =>
        post(`${base}/messages`, tok, {
          content: '',
          clientMessageId: `a1-att-${i}`,
          attachmentIds: [attachment.id],
        }),
      );
      total.push(performance.now() - t0);
      await timed(plain, () =>
        post(`${base}/messages`, tok, { content: `plain ${i}`, clientMessageId: `a1-plain-${i}` }),
      );
    }
  } finally {
    await stopChild(node.child);
    const client = await mongo.MongoClient.connect(mongoUrl);
    await client
      .db()
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
  }
  const p = (v: number[], q: number) => percentile(v, q);
  log(
    `${rounds} rounds: presign p50 ${p(steps.presign, 50).toFixed(1)} p99 ${p(steps.presign, 99).toFixed(1)}; ` +
      `upload p50 ${p(steps.upload, 50).toFixed(1)}; send with attachment p50 ${p(steps.attach, 50).toFixed(1)} ` +
      `p99 ${p(steps.attach, 99).toFixed(1)}; plain send p50 ${p(plain, 50).toFixed(1)} p99 ${p(plain, 99).toFixed(1)} ms`,
  );
  const rows: Row[] = [];
  for (const q of [50, 99]) {
    rows.push(
      row({
        key: `a1.presign.p${q}`,
        scenario: 'A1',
        name: 'presign (POST /conversations/:id/attachments)',
        metric: `p${q} latency`,
        value: p(steps.presign, q),
        unit: 'ms',
      }),
      row({
        key: `a1.upload.p${q}`,
        scenario: 'A1',
        name: `upload of ${FILE_BYTES / 1024} KB through the presigned POST (S3)`,
        metric: `p${q} latency`,
        value: p(steps.upload, q),
        unit: 'ms',
      }),
      row({
        key: `a1.attach.p${q}`,
        scenario: 'A1',
        name: 'REST send carrying one attachment vs the same send without',
        metric: `p${q} latency`,
        value: p(steps.attach, q),
        unit: 'ms',
        ceiling: p(plain, q),
      }),
      row({
        key: `a1.total.p${q}`,
        scenario: 'A1',
        name: 'presign + upload + send, against the plain send',
        metric: `p${q} latency`,
        value: p(total, q),
        unit: 'ms',
        ceiling: p(plain, q),
      }),
    );
  }
  return { rows };
}
