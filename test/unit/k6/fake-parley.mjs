// A stand-in for Parley's contract, small enough to reason about, for the k6 glue specs:
// POST /conversations (groups), POST /conversations/:id/messages, and on Socket.IO /chat `message:send` (gap-free seq, ack after
// "storing", `message:new` to every member socket, the sender's included) and `sync` (pages
// of PAGE after each cursor). Tokens are checked like Parley does (HS256, aud chat, sub, exp).
// It runs in its own process because the k6 HTTP shim blocks the test's event loop.
//
// SKIP_SEQ=n: the first conversation's message n is not delivered to one member socket that
// did not send it (a lost broadcast, for the specs to find). GET /stats answers how many
// messages each conversation stored. Prints `ready <port>`.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { jwtVerify } from 'jose';
import { Server } from 'socket.io';

const PAGE = 5;
const secret = new TextEncoder().encode(process.env.SECRET);
const skipSeq = Number(process.env.SKIP_SEQ ?? 0);
/** id → { members: Set<userId>, messages: [] } */
const conversations = new Map();
/** conversation id → Set of connected sockets of its members */
const sockets = new Map();
let firstConversation;

async function userOf(token) {
  const { payload } = await jwtVerify(token ?? '', secret, {
    algorithms: ['HS256'],
    audience: 'chat',
    requiredClaims: ['exp', 'sub'],
  });
  return payload.sub;
}

/** Stores a send once per clientMessageId, with the next seq. */
function store(c, conversationId, senderId, { content, clientMessageId }) {
  const seen = c.messages.find((m) => m.clientMessageId === clientMessageId);
  if (seen) return { message: seen, fresh: false };
  const message = {
    id: randomBytes(12).toString('hex'),
    conversationId,
    seq: c.messages.length + 1,
    senderId,
    content,
    clientMessageId,
  };
  c.messages.push(message);
  return { message, fresh: true };
}

const http = createServer((req, res) => {
  const answer = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  let text = '';
  req.on('data', (chunk) => (text += chunk));
  req.on('end', async () => {
    if (req.method === 'GET' && req.url === '/stats') {
      return answer(
        200,
        Object.fromEntries([...conversations].map(([id, c]) => [id, c.messages.length])),
      );
    }
    if (req.method !== 'POST') return answer(404, {});
    let user;
    try {
      user = await userOf((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    } catch {
      return answer(401, { code: 'unauthorized' });
    }
    const body = JSON.parse(text);
    const post = /^\/conversations\/([0-9a-f]{24})\/messages$/.exec(req.url);
    if (post) {
      const c = conversations.get(post[1]);
      if (!c || !c.members.has(user)) return answer(404, { code: 'not_found' });
      return answer(201, store(c, post[1], user, body).message);
    }
    if (req.url !== '/conversations') return answer(404, {});
    const id = randomBytes(12).toString('hex');
    conversations.set(id, { members: new Set([user, ...body.participants]), messages: [] });
    firstConversation ??= id;
    answer(201, { id, type: body.type, name: body.name });
  });
});

const io = new Server(http, { transports: ['websocket'] });
const chat = io.of('/chat');
chat.use((socket, next) => {
  userOf(socket.handshake.auth?.token).then(
    (userId) => {
      socket.data.userId = userId;
      next();
    },
    () =>
      next(
        Object.assign(new Error('unauthorized'), {
          data: { code: 'unauthorized', message: 'invalid token' },
        }),
      ),
  );
});
chat.on('connection', (socket) => {
  const mine = [...conversations].filter(([, c]) => c.members.has(socket.data.userId));
  for (const [id] of mine) {
    if (!sockets.has(id)) sockets.set(id, new Set());
    sockets.get(id).add(socket);
  }
  socket.on('disconnect', () => mine.forEach(([id]) => sockets.get(id).delete(socket)));

  socket.on('message:send', (p, ack) => {
    const c = conversations.get(p.conversationId);
    if (!c || !c.members.has(socket.data.userId)) {
      return ack({ ok: false, error: { code: 'not_found', message: 'no such conversation' } });
    }
    const { message, fresh } = store(c, p.conversationId, socket.data.userId, p);
    ack({ ok: true, data: message });
    if (!fresh) return;
    const skip = p.conversationId === firstConversation && message.seq === skipSeq;
    let victim;
    for (const s of sockets.get(p.conversationId) ?? []) {
      if (skip && !victim && s.data.userId !== message.senderId) victim = s;
      else s.emit('message:new', message);
    }
  });

  socket.on('sync', (p, ack) => {
    const data = {};
    for (const [id, cursor] of Object.entries(p.cursors)) {
      const c = conversations.get(id);
      if (!c || !c.members.has(socket.data.userId)) continue;
      const after = c.messages.filter((m) => m.seq > cursor);
      data[id] = { messages: after.slice(0, PAGE), hasMore: after.length > PAGE };
    }
    ack({ ok: true, data });
  });
});

http.listen(0, '127.0.0.1', () => console.log(`ready ${http.address().port}`));
process.on('SIGTERM', () => process.exit(0));
