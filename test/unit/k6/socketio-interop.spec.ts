import { createHmac } from 'node:crypto';
import { createServer, Server as HttpServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import WebSocket from 'ws';
import { AuthService } from '../../../src/auth/auth.service';
import { ChatError } from '../../../src/common/chat-error';
import { loadConfig } from '../../../src/config/load-config';
import { answerOf, signToken, userIdFor } from '../../../load/k6/lib/chat';
import {
  ClientHandlers,
  ConnectErrorData,
  engineUrl,
  SocketIoClient,
  type AckReply,
} from '../../../load/k6/lib/socketio';

/*
 * The k6 framing against a real socket.io 4 server over a real WebSocket (`ws`, as k6 would
 * open it): a `/chat` namespace whose handshake runs Parley's own AuthService on
 * `auth.token`, with tokens minted by the k6 token helper. If the framing, the auth packet or
 * the token were off, the server would refuse or ignore us and these tests would time out.
 */

const SECRET = 'interop-test-secret-0123456789abcdef';
const RUN = '0123456789abcdef0123';
const auth = new AuthService(
  loadConfig({
    MONGO_URL: 'mongodb://127.0.0.1:1/unused',
    REDIS_URL: 'redis://127.0.0.1:1',
    KAFKA_BROKERS: '127.0.0.1:1',
    S3_BUCKET: 'unused',
    AUTH_JWT_SECRET: SECRET,
  }),
);

const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const hmac = (input: string) => createHmac('sha256', SECRET).update(input).digest('base64url');
function token(index: number, secret = SECRET): string {
  const now = Math.floor(Date.now() / 1000);
  const sign =
    secret === SECRET
      ? hmac
      : (input: string) => createHmac('sha256', secret).update(input).digest('base64url');
  return signToken(
    { sub: userIdFor(RUN, index), aud: 'chat', iat: now, exp: now + 60 },
    b64url,
    sign,
  );
}

interface Conn {
  client: SocketIoClient;
  ws: WebSocket;
  events: [string, unknown[]][];
  /** Resolves with the CONNECT sid, or rejects with the CONNECT_ERROR data. */
  connected: Promise<string>;
  ended: Promise<string>;
  /** Frames the client sent, in order (what the server saw). */
  sent: string[];
}

function open(
  url: string,
  authPayload: Record<string, unknown>,
  filter: (frame: string) => boolean = () => true,
): Conn {
  const ws = new WebSocket(engineUrl(url));
  const events: [string, unknown[]][] = [];
  const sent: string[] = [];
  let connect!: (sid: string) => void;
  let refuse!: (e: ConnectErrorData) => void;
  let end!: (reason: string) => void;
  const connected = new Promise<string>((res, rej) => {
    connect = res;
    refuse = rej;
  });
  connected.catch(() => undefined);
  const ended = new Promise<string>((res) => (end = res));
  const handlers: ClientHandlers = {
    connect: (sid) => connect(sid),
    connectError: (e) => refuse(e),
    event: (name, args) => events.push([name, args]),
    disconnect: (reason) => end(reason),
  };
  const client = new SocketIoClient(
    {
      nsp: '/chat',
      auth: authPayload,
      send: (frame) => {
        if (!filter(frame)) return;
        sent.push(frame);
        ws.send(frame);
      },
      close: () => ws.close(),
    },
    handlers,
  );
  ws.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false);
    client.receive(String(data), Date.now());
  });
  ws.on('close', () => {
    client.transportClosed();
    end('transport close');
  });
  return { client, ws, events, connected, ended, sent };
}

function emitWithAck(conn: Conn, event: string, payload: unknown): Promise<AckReply> {
  return new Promise((resolve) => {
    expect(conn.client.emit(event, [payload], resolve, Date.now())).toBe(true);
  });
}

async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('k6 Socket.IO framing against a real socket.io server', () => {
  let http: HttpServer;
  let io: Server;
  let url: string;
  const conns: Conn[] = [];
  /** Why the server closed each socket (by sid), as socket.io tells it. */
  const closedBecause = new Map<string, string>();
  const track = (c: Conn) => (conns.push(c), c);

  beforeAll(async () => {
    http = createServer();
    // Short heartbeats so the ping/pong exchange is exercised within a test.
    io = new Server(http, { transports: ['websocket'], pingInterval: 80, pingTimeout: 60 });
    const chat = io.of('/chat');
    chat.use((socket, next) => {
      const t: unknown = socket.handshake.auth?.token;
      auth.verify(typeof t === 'string' ? t : '').then(
        ({ userId }) => {
          socket.data.userId = userId;
          next();
        },
        (err: ChatError) => next(Object.assign(new Error('unauthorized'), { data: err.toWire() })),
      );
    });
    chat.on('connection', (socket) => {
      socket.on('disconnect', (reason) => closedBecause.set(socket.id, reason));
      socket.emit('welcome', { userId: socket.data.userId });
      socket.on('echo', (payload: unknown, ack: (a: unknown) => void) =>
        ack({ ok: true, data: { payload, userId: socket.data.userId } }),
      );
      socket.on('shout', (payload: unknown, ack: (a: unknown) => void) => {
        chat.emit('heard', payload);
        ack({ ok: false, error: { code: 'rate_limited', message: 'slow down', retryAfterMs: 5 } });
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(() => {
    for (const c of conns.splice(0)) c.ws.terminate();
  });

  afterAll(async () => {
    io.close();
    await new Promise((r) => http.close(r));
  });

  it('connects to /chat with a token in auth and receives an event', async () => {
    const conn = track(open(url, { token: token(1) }));
    const sid = await conn.connected;
    expect(sid).toMatch(/^[\w-]{10,}$/);
    expect(conn.client.handshake).toMatchObject({ pingInterval: 80, pingTimeout: 60 });
    await eventually(() => conn.events.length > 0);
    expect(conn.events[0]).toEqual(['welcome', [{ userId: userIdFor(RUN, 1) }]]);
    expect(conn.sent[0]).toMatch(/^40\/chat,\{"token":"ey/);
  });

  it('emits with an ack id and gets the answer for that id', async () => {
    const conn = track(open(url, { token: token(2) }));
    await conn.connected;
    const [a, b] = await Promise.all([
      emitWithAck(conn, 'echo', { n: 1, text: 'ünïcode "q"' }),
      emitWithAck(conn, 'echo', { n: 2 }),
    ]);
    // The server pings every 80 ms: pongs ('3') may fall between the frames under load.
    expect(conn.sent.slice(1).filter((f) => f !== '3')).toEqual([
      '42/chat,0["echo",{"n":1,"text":"ünïcode \\"q\\""}]',
      '42/chat,1["echo",{"n":2}]',
    ]);
    expect(answerOf(a)).toEqual({
      ok: true,
      data: { payload: { n: 1, text: 'ünïcode "q"' }, userId: userIdFor(RUN, 2) },
    });
    expect(answerOf(b)).toMatchObject({ ok: true, data: { payload: { n: 2 } } });
    expect(conn.client.awaiting).toBe(0);
  });

  it('receives a broadcast emitted by another client, and an error answer as data', async () => {
    const [alice, bob] = [
      track(open(url, { token: token(3) })),
      track(open(url, { token: token(4) })),
    ];
    await Promise.all([alice.connected, bob.connected]);
    const answer = answerOf(await emitWithAck(alice, 'shout', { hello: 'bob' }));
    expect(answer).toEqual({
      ok: false,
      error: { code: 'rate_limited', message: 'slow down', retryAfterMs: 5 },
    });
    await eventually(() => bob.events.some(([name]) => name === 'heard'));
    expect(bob.events.find(([name]) => name === 'heard')).toEqual(['heard', [{ hello: 'bob' }]]);
  });

  it('gets CONNECT_ERROR with the refusal data for a bad token, and no session', async () => {
    for (const bad of [token(5, 'another-secret-0123456789abcdefghij'), 'not-a-jwt', '']) {
      const conn = track(open(url, { token: bad }));
      await expect(conn.connected).rejects.toEqual({
        message: 'unauthorized',
        data: { code: 'unauthorized', message: expect.stringContaining('invalid token') },
      });
      expect(conn.client.state).not.toBe('connected');
      expect(conn.client.emit('echo', [{}])).toBe(false);
    }
  });

  it('answers server pings with pongs and stays connected across several ping periods', async () => {
    const conn = track(open(url, { token: token(6) }));
    await conn.connected;
    await eventually(() => conn.client.pings >= 4); // > 4 × 80 ms, beyond 80 + 60 ms of silence
    expect(conn.client.state).toBe('connected');
    expect(conn.sent.filter((f) => f === '3').length).toBeGreaterThanOrEqual(4);
    expect(answerOf(await emitWithAck(conn, 'echo', 'still here')).ok).toBe(true);
  });

  it('is dropped by the server when it does not answer pings (the control for the test above)', async () => {
    const conn = track(open(url, { token: token(7) }, (frame) => frame !== '3'));
    const sid = await conn.connected;
    await expect(conn.ended).resolves.toBeDefined();
    expect(conn.client.state).toBe('closed');
    // The server's reason, not a timing: it pinged, heard no pong, and gave up on us.
    expect(conn.client.pings).toBeGreaterThanOrEqual(1);
    expect(conn.sent).not.toContain('3');
    await eventually(() => closedBecause.has(sid));
    expect(closedBecause.get(sid)).toBe('ping timeout');
  });

  it('fails a pending ack when the server disconnects the socket', async () => {
    const conn = track(open(url, { token: token(8) }));
    const sid = await conn.connected;
    const pending = new Promise<AckReply>((resolve) =>
      conn.client.emit('never-answered', [], resolve, Date.now()),
    );
    io.of('/chat').sockets.get(sid)!.disconnect();
    expect(await conn.ended).toBe('io server disconnect');
    expect(answerOf(await pending)).toMatchObject({ ok: false, error: { code: 'disconnected' } });
  });
});
