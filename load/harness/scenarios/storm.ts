/**
 * R1, receipt and typing storms (issue 5): many clients in many rooms reading and typing at
 * once. One node on a fresh database; group rooms of ROOM_SIZE members, one socket per member,
 * a short history in each room. For a while every client sends `read` (its cursor moving
 * forward one message at a time, re-reading after the end) and `typing` at fixed rates.
 *
 * Reported: receipts acknowledged per second, the MongoDB cursor writes they became (from the
 * node's own counters) against one write per receipt, the coalescing ratio, and the receipt
 * and typing events the other clients received per second.
 */
import { io, Socket } from 'socket.io-client';
import { pool, post } from '../processes';
import { row, ScenarioOutput } from '../results';
import { Context } from './context';

const ROOM_SIZE = 10;
const READ_EVERY_MS = 500; // 2 receipts per client per second
const TYPE_EVERY_MS = 200; // 5 typing events per client per second

const log = (what: string) => console.error(`bench: R1 ${what}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sums every sample of a Prometheus counter (all label sets) in a /metrics text. */
export function counter(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm')))
    sum += Number(m[1]);
  return sum;
}

export function connect(url: string, token: string): Promise<Socket> {
  const socket = io(`${url}/chat`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: { token },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

export async function stormScenario(ctx: Context): Promise<ScenarioOutput> {
  const rooms = ctx.quick ? 20 : 100;
  const history = ctx.quick ? 10 : 20;
  const durationMs = ctx.quick ? 10_000 : 30_000;

  const parley = await ctx.freshParley('r1');
  const url = parley.servers[0].url;
  const members: { socket: Socket; conversationId: string }[] = [];
  try {
    log(`${rooms} rooms of ${ROOM_SIZE}, ${history} messages each`);
    for (const room of await parley.makeRooms(rooms, ROOM_SIZE)) {
      const tokens = room.auth.map((a) => (a as { token: string }).token);
      for (let i = 0; i < history; i++) {
        await post(`${url}/conversations/${room.id}/messages`, tokens[i % ROOM_SIZE], {
          content: `message ${i}`,
        });
      }
      await pool(tokens.length, ROOM_SIZE, async (k) => {
        members.push({ socket: await connect(url, tokens[k]), conversationId: room.id });
      });
    }

    let receiptEvents = 0;
    let typingEvents = 0;
    for (const { socket } of members) {
      socket.on('receipt', () => receiptEvents++);
      socket.on('typing', () => typingEvents++);
    }
    // Receipts so far (a send reads what came before it) are not the storm's.
    const before = await (await fetch(`${url}/metrics`)).text();

    log(`storm for ${durationMs / 1000} s from ${members.length} clients`);
    let acked = 0;
    let refused = 0;
    let typingSent = 0;
    const timers: NodeJS.Timeout[] = [];
    members.forEach((m, i) => {
      let seq = i % history;
      const start = () =>
        timers.push(
          setInterval(() => {
            seq = (seq % history) + 1;
            m.socket.emit(
              'read',
              { conversationId: m.conversationId, seq },
              (ack: { ok: boolean }) => (ack.ok ? acked++ : refused++),
            );
          }, READ_EVERY_MS),
          setInterval(() => {
            typingSent++;
            m.socket.emit('typing', { conversationId: m.conversationId, isTyping: true });
          }, TYPE_EVERY_MS),
        );
      timers.push(setTimeout(start, (i * 37) % READ_EVERY_MS)); // spread over the interval
    });
    await sleep(durationMs);
    timers.forEach((t) => clearInterval(t));
    await sleep(1000); // the last flushes and their events
    const after = await (await fetch(`${url}/metrics`)).text();
    const delta = (name: string) => counter(after, name) - counter(before, name);
    const received = delta('parley_receipts_received_total');
    const writes = delta('parley_receipt_writes_total');
    const seconds = durationMs / 1000;
    const name = `${members.length} clients in rooms of ${ROOM_SIZE}`;
    return {
      rows: [
        row({
          scenario: 'R1',
          name,
          metric: 'receipts acknowledged',
          value: acked / seconds,
          unit: '/s',
        }),
        row({
          key: 'r1.writes',
          scenario: 'R1',
          name,
          metric: 'MongoDB cursor writes vs one write per receipt',
          value: writes / seconds,
          unit: 'writes/s',
          ceiling: received / seconds,
        }),
        row({
          scenario: 'R1',
          name,
          metric: 'coalescing ratio (receipts per write)',
          value: received / writes,
          unit: '×',
        }),
        row({
          scenario: 'R1',
          name,
          metric: 'receipt events delivered',
          value: receiptEvents / seconds,
          unit: 'events/s',
        }),
        row({
          scenario: 'R1',
          name,
          metric: 'typing events delivered vs every one sent reaching every other member',
          value: typingEvents / seconds,
          unit: 'events/s',
          ceiling: (typingSent * (ROOM_SIZE - 1)) / seconds,
        }),
      ],
      notes: refused ? [`${refused} receipts were refused.`] : [],
    };
  } finally {
    members.forEach((m) => m.socket.disconnect());
    await ctx.releaseParley();
  }
}
