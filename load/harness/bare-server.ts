/**
 * The fan-out ceiling: a bare Socket.IO 4 server with nothing but the broadcast, run as its
 * own process (`node dist-load/load/harness/bare-server.js`) so it never shares an event loop
 * with the load generator. Same wire as Parley's `/chat`: a client is in `conv:<room>`
 * (`auth: { room, userId }`, no token), `message:send` stamps a Parley-shaped message with
 * a per-room seq, broadcasts it as `message:new` to the room (sender included) and acks
 * the sender with it; `sync` acks once the socket's room is live.
 *
 * `GET /stats` answers the process's `memoryUsage()` (S1 reads its heap from it).
 *
 * Environment: PORT; REDIS_URL to use the sharded Redis adapter (several processes then
 * share rooms, as Parley's nodes do) with CHANNEL_PREFIX keeping runs apart. Prints
 * `ready` on stdout once listening.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server, ServerOptions } from 'socket.io';

type Ack = (answer: unknown) => void;

const port = Number(process.env.PORT);
const redisUrl = process.env.REDIS_URL;
const prefix = process.env.CHANNEL_PREFIX ?? 'bare';

const pub = redisUrl ? new Redis(redisUrl, { connectionName: `bare-${port}:pub` }) : undefined;
const sub = pub?.duplicate({ connectionName: `bare-${port}:sub` });

// The options Parley's SocketIoAdapter sets that matter for the broadcast path.
const options: Partial<ServerOptions> = {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  maxHttpBufferSize: 100_000,
  serveClient: false,
};
if (pub && sub) {
  options.adapter = createShardedAdapter(pub, sub, {
    subscriptionMode: 'dynamic',
    channelPrefix: `${prefix}:socket.io`,
  });
}

const http = createServer((req, res) => {
  // Socket.IO answers its own path; everything else lands here.
  if (req.url === '/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(process.memoryUsage()));
    return;
  }
  res.statusCode = 404;
  res.end();
});
const io = new Server(http, options);
const seqs = new Map<string, number>();

io.of('/chat').on('connection', (socket) => {
  const { room, userId } = (socket.handshake.auth ?? {}) as { room?: unknown; userId?: unknown };
  if (typeof room !== 'string' || typeof userId !== 'string') {
    socket.disconnect(true);
    return;
  }
  void socket.join(`conv:${room}`);

  socket.on('sync', (_payload: unknown, ack?: Ack) => {
    // A PING on the subscriber answers after the SSUBSCRIBE the join sent before it.
    const live = sub ? sub.ping() : Promise.resolve();
    live.then(
      () => ack?.({ ok: true, data: {} }),
      () => ack?.({ ok: false, error: { code: 'unavailable', message: 'redis' } }),
    );
  });

  socket.on('message:send', (payload: any, ack?: Ack) => {
    const conversationId = payload?.conversationId;
    const target = `conv:${conversationId}`;
    if (typeof conversationId !== 'string' || !socket.rooms.has(target)) {
      ack?.({ ok: false, error: { code: 'not_found', message: 'conversation not found' } });
      return;
    }
    const seq = (seqs.get(conversationId) ?? 0) + 1;
    seqs.set(conversationId, seq);
    const now = new Date().toISOString();
    const message = {
      id: randomBytes(12).toString('hex'),
      conversationId,
      seq,
      senderId: userId,
      content: String(payload.content),
      attachments: [],
      parentId: null,
      replyCount: 0,
      reactions: [],
      createdAt: now,
      updatedAt: now,
      editedAt: null,
      deletedAt: null,
      deliveredTo: [],
      readBy: [],
      clientMessageId: String(payload.clientMessageId),
    };
    io.of('/chat').to(target).emit('message:new', message);
    ack?.({ ok: true, data: message });
  });
});

for (const client of [pub, sub])
  client?.on('error', (err: Error) => console.error(`bare: redis: ${err.message}`));
// Listen only once both Redis connections are up: a subscriber that is still connecting
// when the first rooms are joined fails its ready check (ioredis).
void Promise.all(
  [pub, sub].map(
    (client) =>
      client &&
      client.status !== 'ready' &&
      new Promise((resolve) => client.once('ready', resolve)),
  ),
  // The same accept backlog as Parley's LISTEN_BACKLOG default, so a reconnect storm meets the
  // same kernel queue on both.
).then(() =>
  http.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => process.stdout.write('ready\n')),
);

function stop(): void {
  io.close();
  void Promise.allSettled([pub?.quit(), sub?.quit()]).then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
