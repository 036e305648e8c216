/**
 * Receipt and typing storms (issue #5): many clients in many rooms reading and typing at once.
 * One node on a fresh database; ROOMS group rooms of ROOM_SIZE members, one socket per member,
 * HISTORY messages in each room. For DURATION_MS every client sends `read` (its cursor moving
 * forward one message at a time, wrapping to re-reads at the end) and `typing` at fixed rates.
 *
 * Reported: receipts acknowledged per second, the MongoDB cursor writes they became (from the
 * node's own counters) and the coalescing ratio (receipts per write; one write per receipt is
 * the naive ceiling it is compared with), receipt and typing events delivered per second to
 * the other clients, and how many typing events the throttle passed on.
 *
 * Usage: npm run bench -- storm [--quick]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { io, Socket } from 'socket.io-client';
import { Row, throughput } from './lib/measure';
import { post, startNode, token } from './lib/node';
import { stackEnv, withDatabase } from './lib/stack';

const log = (what: string) => console.error(`${new Date().toISOString()} storm: ${what}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sums every sample of a Prometheus counter (all label sets) in a /metrics text. */
function counter(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm')))
    sum += Number(m[1]);
  return sum;
}

function connect(url: string, tok: string): Promise<Socket> {
  const socket = io(`${url}/chat`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: { token: tok },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

export async function stormBench(quick: boolean): Promise<Row[]> {
  const rooms = quick ? 20 : 100;
  const roomSize = 10;
  const history = quick ? 10 : 20;
  const durationMs = quick ? 10_000 : 30_000;
  const readEveryMs = 500; // 2 receipts per client per second
  const typeEveryMs = 200; // 5 typing events per client per second

  const database = `bench_storm_${Date.now()}_${randomBytes(2).toString('hex')}`;
  const mongoUrl = withDatabase(stackEnv().MONGO_URL, database);
  const node = await startNode({
    MONGO_URL: mongoUrl,
    CLUSTER_PREFIX: `bench-storm-${randomBytes(4).toString('hex')}`,
    RELAY_ENABLED: 'false',
    WORKERS_ENABLED: 'false',
  });
  const sockets: Socket[] = [];
  try {
    log(`${rooms} rooms of ${roomSize}, ${history} messages each`);
    const members: { socket?: Socket; conversationId: string }[] = [];
    await throughput(rooms, 4, async () => {
      const users = Array.from({ length: roomSize }, () => randomUUID());
      const tokens = await Promise.all(users.map(token));
      const room = await post(`${node.url}/conversations`, tokens[0], {
        type: 'group',
        name: 'storm',
        participants: users.slice(1),
      });
      for (let i = 0; i < history; i++) {
        await post(`${node.url}/conversations/${room.id}/messages`, tokens[i % roomSize], {
          content: `message ${i}`,
        });
      }
      for (const tok of tokens) {
        const socket = await connect(node.url, tok);
        sockets.push(socket);
        members.push({ socket, conversationId: room.id });
      }
    });

    let receiptEvents = 0;
    let typingEvents = 0;
    for (const s of sockets) {
      s.on('receipt', () => receiptEvents++);
      s.on('typing', () => typingEvents++);
    }
    // Receipts so far (a send reads what came before it) are not the storm's.
    const before = await (await fetch(`${node.url}/metrics`)).text();

    log(`storm for ${durationMs / 1000} s from ${members.length} clients`);
    let acked = 0;
    let refused = 0;
    let typingSent = 0;
    const stopAt = Date.now() + durationMs;
    const timers: NodeJS.Timeout[] = [];
    members.forEach((m, i) => {
      let seq = i % history;
      const jitter = (i * 37) % readEveryMs;
      timers.push(
        setTimeout(() => {
          timers.push(
            setInterval(() => {
              seq = (seq % history) + 1;
              m.socket!.emit(
                'read',
                { conversationId: m.conversationId, seq },
                (ack: { ok: boolean }) => (ack.ok ? acked++ : refused++),
              );
            }, readEveryMs),
            setInterval(() => {
              typingSent++;
              m.socket!.emit('typing', { conversationId: m.conversationId, isTyping: true });
            }, typeEveryMs),
          );
        }, jitter),
      );
    });
    await sleep(stopAt - Date.now());
    timers.forEach((t) => clearInterval(t));
    await sleep(1000); // the last flushes and their events
    const after = await (await fetch(`${node.url}/metrics`)).text();
    const delta = (name: string) => counter(after, name) - counter(before, name);
    const received = delta('parley_receipts_received_total');
    const writes = delta('parley_receipt_writes_total');
    const seconds = durationMs / 1000;
    if (refused > 0) log(`${refused} receipts refused`);

    return [
      {
        name: 'receipt storm',
        metric: 'receipts acknowledged',
        value: acked / seconds,
        unit: '/s',
      },
      {
        name: 'receipt storm',
        metric: 'MongoDB cursor writes vs one per receipt',
        value: writes / seconds,
        unit: 'writes/s',
        ceiling: received / seconds,
        ratio: writes / received,
      },
      {
        name: 'receipt storm',
        metric: 'coalescing ratio (receipts per write)',
        value: received / writes,
        unit: 'x',
      },
      {
        name: 'receipt storm',
        metric: 'receipt events delivered',
        value: receiptEvents / seconds,
        unit: 'events/s',
      },
      {
        name: 'typing storm',
        metric: 'typing events delivered vs sent',
        value: typingEvents / seconds,
        unit: 'events/s',
        ceiling: (typingSent * (roomSize - 1)) / seconds,
        ratio: typingEvents / (typingSent * (roomSize - 1)),
      },
    ];
  } finally {
    sockets.forEach((s) => s.disconnect());
    await node.stop();
    const client = await mongo.MongoClient.connect(mongoUrl);
    await client
      .db()
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
  }
}
