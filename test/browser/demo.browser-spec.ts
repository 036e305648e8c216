import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ownerOf } from '../../src/cluster/rendezvous';
import {
  chromiumAvailable,
  launchChromium,
  PageServer,
  servePages,
  socketIoBundle,
} from '../support/browser';
import { expectEventually } from '../support/eventually';
import { ApiUser } from '../support/http';
import {
  awaitClusterView,
  FAST_FAILOVER_ENV,
  freePort,
  NodeProcess,
  startNode,
  stopNode,
} from '../support/node-process';
import { Balancer, startBalancer } from '../support/tcp-balancer';
import { tokenFor } from '../support/tokens';

// Without a Chromium the whole file is skipped, with one line saying why (support/browser.ts).
const describeInChromium = chromiumAvailable() ? describe : describe.skip;

/** Ada and Grace, from the demo's cast (client/demo/demo.js). */
const ADA = '3b0c8f0e-0d5b-4c7e-9f0a-6a1d2c3b4e01';
const GRACE = '3b0c8f0e-0d5b-4c7e-9f0a-6a1d2c3b4e02';

const NODE_ENV = { ...FAST_FAILOVER_ENV, DEMO_ENABLED: 'true' };

describeInChromium('the demo and the SDK in headless Chromium, against two nodes', () => {
  let nodes: NodeProcess[] = [];
  let browser: Browser;
  let allowed: PageServer;
  let foreign: PageServer;
  const contexts: BrowserContext[] = [];
  const balancers: Balancer[] = [];

  beforeAll(async () => {
    const [allowedPort, foreignPort] = [await freePort(), await freePort()];
    const allowedOrigin = `http://127.0.0.1:${allowedPort}`;
    nodes = await Promise.all(
      [0, 1].map(() => startNode({ ...NODE_ENV, CORS_ORIGINS: allowedOrigin })),
    );
    await awaitClusterView(nodes);
    // Two plain pages on origins of their own; only the first is in CORS_ORIGINS.
    const page = (origin: string) => ({
      '/': ['text/html', pageWithSdk(nodes[0].url)] as [string, string],
      '/io.js': ['text/javascript', socketIoBundle()] as [string, string],
      '/origin': ['text/plain', origin] as [string, string],
    });
    allowed = await servePages(allowedPort, page(allowedOrigin));
    foreign = await servePages(foreignPort, page(`http://127.0.0.1:${foreignPort}`));
    browser = await launchChromium();
  }, 120_000);
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    await Promise.all(balancers.splice(0).map((b) => b.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([allowed?.close(), foreign?.close()]);
    await Promise.all(nodes.filter((n) => n.child.exitCode === null).map(stopNode));
  }, 60_000);

  async function newPage(url: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }
  async function signIn(page: Page, name: string) {
    await page.click(`[data-test="signin-${name}"]`);
    await page.waitForSelector('[data-test="status"].live');
  }

  it('lets two people chat through two nodes: the message, typing and the read receipt reach the other', async () => {
    const ada = await newPage(`${nodes[0].url}/demo/`);
    const grace = await newPage(`${nodes[1].url}/demo/`);
    await Promise.all([signIn(ada, 'Ada'), signIn(grace, 'Grace')]);

    // Ada starts a private conversation with Grace and writes.
    await ada.check(`input[value="${GRACE}"]`);
    await ada.click('[data-test="create"]');
    await ada.waitForSelector('#chat-header strong:text-is("Grace")');
    await ada.fill('[data-test="composer"]', 'Hello Grace, the build is green');
    await ada.click('[data-test="send"]');
    await ada.waitForSelector('[data-test="message"] >> text=Hello Grace');

    // Grace sees the conversation appear with one unread message, opens it and reads.
    const unread = grace.locator('[data-test="conversation"] [data-test="unread"]');
    await expectEventually(async () => expect(await unread.textContent()).toBe('1'));
    await grace.click('[data-test="conversation"]');
    await grace.waitForSelector('[data-test="message"] >> text=Hello Grace, the build is green');
    await expectEventually(async () => expect(await unread.count()).toBe(0));
    await ada.waitForSelector('[data-test="receipt"] >> text=Read');

    // Grace types: Ada sees it, and sees it stop once Grace has gone quiet.
    const typing = ada.locator('[data-test="typing"]');
    await grace.type('[data-test="composer"]', 'On my way');
    await expectEventually(async () => expect(await typing.textContent()).toBe('Grace is typing…'));
    await expectEventually(async () => expect(await typing.textContent()).toBe(''));
    await grace.click('[data-test="send"]');
    await ada.waitForSelector('[data-test="message"] >> text=On my way');
    // Both are online, and each sees the other so.
    await ada.waitForSelector('[data-test="conversation"] [data-test="presence"].online');
    await grace.waitForSelector('[data-test="conversation"] [data-test="presence"].online');
  }, 90_000);

  it('pages history: the newest messages first, older ones on demand, then live ones', async () => {
    const ada = await ApiUser.create(nodes[0].url, ADA);
    const res = await ada.post('/conversations', {
      type: 'group',
      name: 'paging',
      participants: [GRACE],
    });
    const id = res.body.id as string;
    for (let i = 1; i <= 35; i++) {
      expect((await ada.post(`/conversations/${id}/messages`, { content: `h${i}` })).status).toBe(
        201,
      );
    }
    const page = await newPage(`${nodes[1].url}/demo/`);
    await signIn(page, 'Grace');
    await page.click('[data-test="conversation"] >> text=paging');
    const messages = page.locator('[data-test="message"] .body');
    await expectEventually(async () => expect(await messages.count()).toBe(30));
    expect(await messages.first().textContent()).toBe('h6');
    await page.click('[data-test="older"]');
    await expectEventually(async () => expect(await messages.count()).toBe(35));
    expect(await messages.first().textContent()).toBe('h1');
    expect(await page.locator('[data-test="older"]').count()).toBe(0);
    await ada.post(`/conversations/${id}/messages`, { content: 'h36' });
    await expectEventually(async () => expect(await messages.last().textContent()).toBe('h36'));
  }, 60_000);

  it('refuses a page of a foreign origin on REST and on the socket, and serves an allowed one', async () => {
    const alice = await ApiUser.create(nodes[0].url);
    const bob = await ApiUser.create(nodes[0].url);
    const token = await tokenFor(alice.id);
    const probe = (page: Page) =>
      page.evaluate(
        async ({ node, token, bob }) => {
          const load = new Function('s', 'return import(s)');
          const auth = { authorization: `Bearer ${token}` };
          const outcome = (p: Promise<Response>) =>
            p.then(
              (r) => `status ${r.status}`,
              () => 'refused',
            );
          // A simple GET, and a POST with a JSON body (which needs a preflight).
          const list = await outcome(fetch(`${node}/conversations`, { headers: auth }));
          const create = await outcome(
            fetch(`${node}/conversations`, {
              method: 'POST',
              headers: { ...auth, 'content-type': 'application/json' },
              body: JSON.stringify({ type: 'private', participants: [bob] }),
            }),
          );
          const { io } = await load('/io.js');
          const socket = (transports: string[]) =>
            new Promise<string>((resolve) => {
              const s = io(`${node}/chat`, { transports, auth: { token }, reconnection: false });
              s.on('connect', () => (s.disconnect(), resolve('connected')));
              s.on('connect_error', () => (s.disconnect(), resolve('refused')));
            });
          return {
            list,
            create,
            websocket: await socket(['websocket']),
            polling: await socket(['polling']),
          };
        },
        { node: nodes[0].url, token, bob: bob.id },
      );

    expect(await probe(await newPage(`${foreign.url}/`))).toEqual({
      list: 'refused',
      create: 'refused',
      websocket: 'refused',
      polling: 'refused',
    });
    expect(await probe(await newPage(`${allowed.url}/`))).toEqual({
      list: 'status 200',
      create: 'status 201',
      websocket: 'connected',
      polling: 'connected',
    });

    // The SDK itself, loaded from the node by the allowed page: REST and socket both work.
    const page = await newPage(`${allowed.url}/`);
    const sent = await page.evaluate(
      async ({ node, token, bob }) => {
        // A dynamic import the page runs itself (ts-jest would turn `import()` into require).
        const load = new Function('s', 'return import(s)');
        const { connect } = await load('@parley/client');
        const parley = connect({ url: node, getToken: () => token });
        const c = await parley.createConversation({ type: 'private', participants: [bob] });
        const message = await parley.send(c.id, 'from another origin');
        parley.close();
        return { conversationId: c.id, seq: message.seq, content: message.content };
      },
      { node: nodes[0].url, token, bob: bob.id },
    );
    expect(sent).toMatchObject({ seq: 1, content: 'from another origin' });
  }, 60_000);

  it('keeps sending through the death of its node: the SDK reconnects to a survivor, nothing lost', async () => {
    const [n1, n2] = nodes;
    // The page's balancer prefers n1, which also owns the conversation: both die at once.
    const lb = await startBalancer(() => [n1.url, n2.url]);
    balancers.push(lb);
    const ada = await ApiUser.create(n2.url, ADA);
    let id: string;
    do {
      const res = await ada.post('/conversations', {
        type: 'group',
        name: 'failover',
        participants: [GRACE],
      });
      id = res.body.id;
    } while (ownerOf(id, [n1.nodeId, n2.nodeId]) !== n1.nodeId);

    const page = await newPage(`${lb.url}/demo/`);
    await page.evaluate(
      async ({ id, userId }) => {
        const load = new Function('s', 'return import(s)');
        const { connect } = await load('@parley/client');
        // Runs in the page (no DOM types here): `w` is its window.
        const w = globalThis as unknown as Record<string, any>;
        const token = async () => {
          const res = await fetch('/demo/token', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ userId }),
          });
          return ((await res.json()) as { token: string }).token;
        };
        const parley = connect({ url: w.location.origin, getToken: token, ackTimeoutMs: 3000 });
        w.resolved = [] as number[];
        w.statuses = [] as string[];
        parley.on('status', (s: { status: string }) => (w.statuses as string[]).push(s.status));
        w.sending = Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            parley
              .send(id, `failover ${i}`)
              .then((m: { seq: number }) => (w.resolved as number[]).push(m.seq)),
          ),
        );
      },
      { id, userId: ADA },
    );
    const resolved = () => page.evaluate(() => (globalThis as any).resolved.length as number);
    await expectEventually(async () => expect(await resolved()).toBeGreaterThanOrEqual(10), {
      intervalMs: 20,
    });
    n1.child.kill('SIGKILL');
    await page.evaluate(() => (globalThis as any).sending);

    const { seqs, statuses } = await page.evaluate(() => ({
      seqs: (globalThis as any).resolved as number[],
      statuses: (globalThis as any).statuses as string[],
    }));
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // It went away with its node and came back live on the survivor.
    expect(statuses[0]).toBe('live');
    expect(statuses).toContain('connecting');
    expect(statuses.at(-1)).toBe('live');
    const stored = await ada.get(`/conversations/${id}/messages?limit=100`);
    expect(stored.body.items.map((m: { content: string }) => m.content)).toEqual(
      Array.from({ length: 40 }, (_, i) => `failover ${i}`),
    );
  }, 90_000);
});

/** A bare page that can import the SDK from `node` (the import map) or socket.io-client. */
function pageWithSdk(node: string): string {
  const imports = {
    '@parley/client': `${node}/demo/sdk/index.js`,
    'socket.io-client': `${node}/demo/vendor/socket.io.esm.min.js`,
  };
  return `<!doctype html><html><head><meta charset="utf-8"><title>another origin</title>
<script type="importmap">${JSON.stringify({ imports })}</script></head>
<body><p>A page of another origin.</p></body></html>`;
}
