import { ParleyClient } from './client';
import { ParleyError } from './errors';
import type { Link, LinkHandlers } from './link';
import type { TokenKeeper } from './token';
import type { AckAnswer, CommandName, Commands, Message, ServerEvents } from './wire';

const ME = '0b8e3f4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER = '6f1c2a4e-8d7b-4c3e-9a10-2b3c4d5e6f70';
const CONV = 'a'.repeat(24);

/** An unsigned JWT for ME: the client reads `sub` and `exp`, the fake server checks nothing. */
const token = () => {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part({ sub: ME, exp: Math.floor(Date.now() / 1000) + 3600 })}.x`;
};

const message = (seq: number, over: Partial<Message> = {}): Message => ({
  id: seq.toString(16).padStart(24, '0'),
  conversationId: CONV,
  seq,
  senderId: OTHER,
  content: `m${seq}`,
  attachments: [],
  parentId: null,
  replyCount: 0,
  lastReplyAt: null,
  replyUserIds: [],
  reactions: [],
  createdAt: new Date(seq * 1000).toISOString(),
  updatedAt: new Date(seq * 1000).toISOString(),
  editedAt: null,
  deletedAt: null,
  deliveredTo: [],
  readBy: [],
  clientMessageId: `c${seq}`,
  ...over,
});

type Call = { event: CommandName; payload: any };
type Answer = (payload: any) => AckAnswer<unknown> | Promise<AckAnswer<unknown>> | 'drop';

/** The client's connection port, played by the test: it records commands and answers them. */
class FakeLink implements Link {
  connected = false;
  calls: Call[] = [];
  answers: Partial<Record<CommandName, Answer>> = {};
  /** What the fake server has stored; `sync` answers from it, `pageSize` at a time. */
  store: Message[] = [];
  pageSize = 100;
  private listeners = new Map<string, ((p: unknown) => void)[]>();
  constructor(
    private readonly handlers: LinkHandlers,
    private readonly tokens: TokenKeeper,
  ) {}

  open() {
    // As the real link does: the token (and so the user id) comes first.
    void this.tokens.get().then(() => this.up());
  }
  close() {
    this.connected = false;
  }
  async refresh() {}
  up() {
    this.connected = true;
    this.handlers.connected();
  }
  down() {
    this.connected = false;
    this.handlers.disconnected('transport close');
  }
  on<E extends keyof ServerEvents>(event: E, listener: (payload: ServerEvents[E]) => void) {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as (p: unknown) => void);
    this.listeners.set(event, list);
  }
  push<E extends keyof ServerEvents>(event: E, payload: ServerEvents[E]) {
    (this.listeners.get(event) ?? []).forEach((l) => l(payload));
  }
  async request<E extends CommandName>(event: E, payload: Commands[E]['payload']) {
    if (!this.connected) throw new ParleyError('disconnected', 'down');
    this.calls.push({ event, payload });
    const answer = this.answers[event]?.(payload) ?? this.answer(event, payload);
    if (answer === 'drop') return new Promise<never>(() => undefined);
    return (await answer) as AckAnswer<Commands[E]['data']>;
  }
  private answer(event: CommandName, payload: any): AckAnswer<unknown> {
    if (event !== 'sync') return { ok: true, data: {} };
    const pages = Object.entries(payload.cursors as Record<string, number>).map(([id, after]) => {
      const rest = this.store.filter((m) => m.conversationId === id && m.seq > after);
      return [id, { messages: rest.slice(0, this.pageSize), hasMore: rest.length > this.pageSize }];
    });
    return { ok: true, data: Object.fromEntries(pages) };
  }
  sent(event: CommandName) {
    return this.calls.filter((c) => c.event === event).map((c) => c.payload);
  }
}

async function eventually(check: () => void) {
  for (let i = 0; ; i++) {
    try {
      return check();
    } catch (err) {
      if (i > 200) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** A client over a fake link, connected and live. */
async function setup() {
  let link!: FakeLink;
  const client = new ParleyClient(
    {
      url: 'http://parley.test',
      getToken: token,
      gapGraceMs: 20,
      retryDelayMs: 5,
      receiptDelayMs: 5,
    },
    (tokens, _options, handlers) => (link = new FakeLink(handlers, tokens)),
  );
  const heard: number[] = [];
  client.on('message', (m) => heard.push(m.seq));
  await eventually(() => expect(client.status).toBe('live'));
  return { client, link, heard };
}

describe('ParleyClient (over a fake connection)', () => {
  let client: ParleyClient;
  afterEach(() => client?.close());

  it('hands messages over once, in seq order; a gap is synced from the last seq', async () => {
    const t = await setup();
    client = t.client;
    t.client.track(CONV, 0);
    t.link.store = [message(1), message(2), message(3)];
    t.link.push('message:new', message(1));
    t.link.push('message:new', message(1)); // an echo or overlap: dropped
    t.link.push('message:new', message(3)); // 2 is missing
    expect(t.heard).toEqual([1]);
    await eventually(() => expect(t.heard).toEqual([1, 2, 3]));
    expect(t.link.sent('sync').at(-1)).toEqual({ cursors: { [CONV]: 1 } });
  });

  it('does not sync a gap that live delivery fills within the grace', async () => {
    const t = await setup();
    client = t.client;
    t.client.track(CONV, 0);
    const syncs = t.link.sent('sync').length;
    t.link.push('message:new', message(2));
    t.link.push('message:new', message(1));
    expect(t.heard).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 60));
    expect(t.link.sent('sync').length).toBe(syncs);
  });

  it('syncs on sync:required and pages while hasMore', async () => {
    const t = await setup();
    client = t.client;
    t.client.track(CONV, 0);
    t.link.store = [message(1), message(2), message(3)];
    t.link.pageSize = 2;
    const before = t.link.sent('sync').length;
    t.link.push('sync:required', {});
    await eventually(() => expect(t.heard).toEqual([1, 2, 3]));
    expect(t.link.sent('sync').slice(before)).toEqual([
      { cursors: { [CONV]: 0 } },
      { cursors: { [CONV]: 2 } },
    ]);
  });

  it('retries a send on unavailable with the same clientMessageId and resolves it once', async () => {
    const t = await setup();
    client = t.client;
    let calls = 0;
    t.link.answers['message:send'] = (p) =>
      ++calls < 3
        ? { ok: false, error: { code: 'unavailable', message: 'owner moving' } }
        : {
            ok: true,
            data: message(1, {
              senderId: ME,
              clientMessageId: p.clientMessageId,
              content: p.content,
            }),
          };
    const sent = await t.client.send(CONV, 'hello', { clientMessageId: 'k1' });
    expect(sent).toMatchObject({ seq: 1, content: 'hello' });
    expect(t.link.sent('message:send').map((p) => p.clientMessageId)).toEqual(['k1', 'k1', 'k1']);
    expect(t.heard).toEqual([1]);
  });

  it('resolves a send from its echo when the ack is lost, and keeps sends in order', async () => {
    const t = await setup();
    client = t.client;
    t.link.answers['message:send'] = (p) => {
      if (p.clientMessageId === 'k1') {
        // The server stored it and broadcast it; the ack never arrives.
        setTimeout(() =>
          t.link.push('message:new', message(1, { senderId: ME, clientMessageId: 'k1' })),
        );
        return 'drop';
      }
      return { ok: true, data: message(2, { senderId: ME, clientMessageId: p.clientMessageId }) };
    };
    const order: string[] = [];
    await Promise.all([
      t.client.send(CONV, 'one', { clientMessageId: 'k1' }).then(() => order.push('k1')),
      t.client.send(CONV, 'two', { clientMessageId: 'k2' }).then(() => order.push('k2')),
    ]);
    expect(order).toEqual(['k1', 'k2']);
    expect(t.link.sent('message:send').map((p) => p.clientMessageId)).toEqual(['k1', 'k2']);
    expect(t.client.state(CONV)).toEqual({ lastSeq: 2, pending: [] });
  });

  it('keeps a send pending while disconnected and sends it on reconnect', async () => {
    const t = await setup();
    client = t.client;
    t.link.down();
    t.link.answers['message:send'] = (p) => ({
      ok: true,
      data: message(1, { senderId: ME, clientMessageId: p.clientMessageId }),
    });
    const sending = t.client.send(CONV, 'later', { clientMessageId: 'k1' });
    await new Promise((r) => setTimeout(r, 20));
    expect(t.client.state(CONV)?.pending).toEqual([
      { conversationId: CONV, clientMessageId: 'k1', content: 'later', attempts: 0 },
    ]);
    t.link.up();
    expect(await sending).toMatchObject({ seq: 1 });
  });

  it('makes presence subscriptions again after a reconnect and reports what changed', async () => {
    const t = await setup();
    client = t.client;
    let status = 'online';
    t.link.answers['presence:subscribe'] = ({ userIds }) => ({
      ok: true,
      data: Object.fromEntries(userIds.map((u: string) => [u, { status, lastSeenAt: null }])),
    });
    await t.client.subscribePresence([OTHER]);
    const changes: string[] = [];
    t.client.on('presence', (p) => changes.push(p.status));
    t.link.down();
    status = 'offline';
    t.link.up();
    await eventually(() => expect(changes).toEqual(['offline']));
    expect(t.link.sent('presence:subscribe')).toEqual([{ userIds: [OTHER] }, { userIds: [OTHER] }]);
  });

  it('coalesces markRead into one command with the highest seq, and resends it after a failure', async () => {
    const t = await setup();
    client = t.client;
    let fail = true;
    t.link.answers.read = (p) =>
      fail
        ? { ok: false, error: { code: 'unavailable', message: 'x' } }
        : { ok: true, data: { readSeq: p.seq } };
    for (let seq = 1; seq <= 5; seq++) t.client.markRead(CONV, seq);
    await eventually(() => expect(t.link.sent('read')).toEqual([{ conversationId: CONV, seq: 5 }]));
    fail = false;
    t.link.down();
    t.link.up();
    await eventually(() => expect(t.link.sent('read')).toHaveLength(2));
    expect(t.link.sent('read')[1]).toEqual({ conversationId: CONV, seq: 5 });
    t.client.markRead(CONV, 4); // already confirmed: nothing sent
    await new Promise((r) => setTimeout(r, 20));
    expect(t.link.sent('read')).toHaveLength(2);
  });
});
