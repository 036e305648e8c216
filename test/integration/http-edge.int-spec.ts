import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import {
  conversationDetailsView,
  conversationPageView,
  conversationView,
  messagePageView,
  messageView,
  problemView,
  routeAnswers,
} from '../../src/common/openapi-views';
import { startTestApp } from '../support/app';
import { ApiUser, send } from '../support/http';
import { bearer, tokenFor } from '../support/tokens';

const APP_ORIGIN = 'http://app.parley.test:8080';

/** CORS, the demo and the documented answers, on one node in this process (real stack). */
describe('the HTTP edge', () => {
  let app: NestFastifyApplication;
  let url: string;
  let open: NestFastifyApplication;
  let openUrl: string;

  beforeAll(async () => {
    ({ app, url } = await startTestApp({ CORS_ORIGINS: APP_ORIGIN, DEMO_ENABLED: 'true' }));
    ({ app: open, url: openUrl } = await startTestApp({ CORS_ORIGINS: '*' }));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([app?.close(), open?.close()]);
  });

  const raw = (base: string, method: string, path: string, headers: Record<string, string>) =>
    fetch(`${base}${path}`, { method, headers });
  const corsHeaders = (res: Response) =>
    [...res.headers.keys()].filter((k) => k.startsWith('access-control-'));

  describe('CORS', () => {
    it('answers a preflight from an allowed origin before any auth, with what the browser needs', async () => {
      const res = await raw(url, 'OPTIONS', '/conversations', {
        origin: APP_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(res.headers.get('access-control-allow-methods')).toBe(
        'GET, HEAD, POST, PUT, PATCH, DELETE',
      );
      expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
      expect(res.headers.get('access-control-max-age')).toBe('600');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(res.headers.get('vary')).toMatch(/origin/i);
    });

    it('lets an allowed origin read answers and Retry-After, errors included', async () => {
      const user = await ApiUser.create(url);
      const headers = { origin: APP_ORIGIN };
      const ok = await send(url, 'GET', '/conversations', {
        ...headers,
        ...bearer(await tokenFor(user.id)),
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(ok.headers.get('access-control-expose-headers')).toBe('retry-after');
      const refused = await raw(url, 'GET', '/conversations', headers);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    });

    it('sends no CORS header to a foreign origin, whose preflight is an unknown route', async () => {
      const preflight = await raw(url, 'OPTIONS', '/conversations', {
        origin: 'https://evil.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      });
      expect(preflight.status).toBe(404);
      expect(corsHeaders(preflight)).toEqual([]);
      const get = await raw(url, 'GET', '/conversations', { origin: 'https://evil.test' });
      expect(corsHeaders(get)).toEqual([]);
      // Not a browser: no Origin, no CORS headers either (and nothing refused for it).
      expect(corsHeaders(await raw(url, 'GET', '/health/live', {}))).toEqual([]);
    });

    it('answers `*` only where CORS_ORIGINS says `*`', async () => {
      const res = await raw(openUrl, 'OPTIONS', '/conversations', {
        origin: 'https://any.test',
        'access-control-request-method': 'GET',
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    });
  });

  describe('the demo', () => {
    it('serves the page, the built SDK and socket.io-client’s browser bundle, and nothing else of it', async () => {
      const page = await raw(url, 'GET', '/demo/', {});
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('"@parley/client": "/demo/sdk/index.js"');
      const sdk = await raw(url, 'GET', '/demo/sdk/index.js', {});
      expect(sdk.status).toBe(200);
      expect(sdk.headers.get('content-type')).toMatch(/javascript/);
      expect((await raw(url, 'GET', '/demo/vendor/socket.io.esm.min.js', {})).status).toBe(200);
      expect((await raw(url, 'GET', '/demo/vendor/socket.io.js', {})).status).toBe(404);
      expect((await raw(url, 'GET', '/demo/..%2fpackage.json', {})).status).toBe(404);
      expect((await raw(url, 'GET', '/demo/sdk/..%2f..%2fpackage.json', {})).status).toBe(404);
      const bare = await fetch(`${url}/demo`, { redirect: 'manual' });
      expect([301, 302]).toContain(bare.status);
      expect(bare.headers.get('location')).toBe('/demo/');
    });

    it('signs in a made-up user with DEMO_ENABLED=true, and nowhere else', async () => {
      const userId = randomUUID();
      const res = await send(url, 'POST', '/demo/token', {}, { userId });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ userId, token: expect.any(String) });
      const list = await send(url, 'GET', '/conversations', {
        authorization: `Bearer ${res.body.token}`,
      });
      expect(list.status).toBe(200);
      expect((await send(url, 'POST', '/demo/token', {}, { userId: 'admin' })).status).toBe(400);
      expect((await send(openUrl, 'POST', '/demo/token', {}, { userId })).status).toBe(404);
      // The page itself is there either way (it then asks for a token).
      expect((await raw(openUrl, 'GET', '/demo/', {})).status).toBe(200);
    });
  });

  describe('the OpenAPI document', () => {
    it('documents the answer of every route it lists', async () => {
      const doc = (await (await raw(url, 'GET', '/docs-json', {})).json()) as any;
      const operations = Object.entries(doc.paths as Record<string, object>).flatMap(
        ([path, item]) => Object.keys(item).map((method) => `${method} ${path}`),
      );
      expect(operations.sort()).toEqual(Object.keys(routeAnswers).sort());
      for (const key of operations) {
        const [method, path] = key.split(' ');
        expect(doc.paths[path][method].responses.default.content).toHaveProperty(
          'application/problem+json',
        );
      }
      expect(Object.keys(doc.components.schemas)).toEqual(
        expect.arrayContaining(['Message', 'Conversation', 'ConversationPage', 'Problem']),
      );
    });

    it('describes what the routes really answer (strict: an undocumented field fails)', async () => {
      const [alice, bob] = await Promise.all([ApiUser.create(url), ApiUser.create(url)]);
      const created = await alice.post('/conversations', {
        type: 'group',
        name: 'views',
        participants: [bob.id],
      });
      expect(conversationView.safeParse(created.body).error).toBeUndefined();
      const id = created.body.id;
      const sent = await alice.post(`/conversations/${id}/messages`, { content: 'hi' });
      expect(messageView.safeParse(sent.body).error).toBeUndefined();
      const checks = [
        [conversationPageView, await alice.get('/conversations')],
        [conversationDetailsView, await bob.get(`/conversations/${id}`)],
        [messagePageView, await bob.get(`/conversations/${id}/messages`)],
        [
          messageView,
          await alice.patch(`/conversations/${id}/messages/${sent.body.id}`, { content: 'ho' }),
        ],
        [conversationView, await alice.patch(`/conversations/${id}`, { name: 'renamed' })],
        [problemView, await bob.get(`/conversations/${'0'.repeat(24)}`)],
        [problemView, await alice.post('/conversations', { type: 'group' })],
      ] as const;
      for (const [view, reply] of checks) {
        expect(view.safeParse(reply.body).error).toBeUndefined();
      }
      expect((await alice.get('/conversations')).body.items[0].lastMessage).not.toBeNull();
    });
  });
});
