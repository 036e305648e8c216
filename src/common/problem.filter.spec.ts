import { Body, Controller, Get, Module, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { createZodDto } from 'nestjs-zod';
import pino from 'pino';
import { z } from 'zod';
import { bearer, tokenFor } from '../../test/support/tokens';
import { AuthModule } from '../auth/auth.module';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/load-config';
import { LoggerModule } from '../infra/logger.module';
import { ChatError } from './chat-error';
import { CommonModule } from './common.module';
import { httpServerOptions } from './http-options';
import { setupOpenApi } from './openapi';
import { cursor, limit, seq } from './schemas';

const SECRET = 'unit-test-secret-0123456789abcdef';
const ALICE = '0190b3c0-7b5e-7c1a-8f00-123456789abc';

class EchoDto extends createZodDto(
  z.strictObject({ name: z.string().min(1).max(10), seq: seq.optional() }),
) {}
class PageDto extends createZodDto(
  z.strictObject({ limit: limit(100, 20), cursor: cursor.optional() }),
) {}

@Controller('t')
class TestController {
  @Post('echo')
  echo(@Body() body: EchoDto, @CurrentUser() userId: string) {
    return { body, userId };
  }
  @Get('page')
  page(@Query() query: PageDto) {
    return query;
  }
  @Get('gone')
  gone() {
    throw ChatError.notFound('conversation');
  }
  @Get('slow')
  slow() {
    throw ChatError.rateLimited(1500);
  }
  @Get('boom')
  boom() {
    throw new Error('db password is hunter2');
  }
  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }
}

describe('HTTP edge: ProblemFilter, zod validation, AuthGuard, OpenAPI', () => {
  let app: NestFastifyApplication;
  const logged: string[] = [];
  let token: string;

  beforeAll(async () => {
    const config = loadConfig({
      MONGO_URL: 'mongodb://127.0.0.1:1/unused',
      REDIS_URL: 'redis://127.0.0.1:1',
      KAFKA_BROKERS: '127.0.0.1:1',
      S3_BUCKET: 'unused',
      AUTH_JWT_SECRET: SECRET,
    });
    const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
    @Module({
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(logger),
        CommonModule,
        AuthModule,
      ],
      controllers: [TestController],
    })
    class TestModule {}
    app = await NestFactory.create<NestFastifyApplication>(
      TestModule,
      new FastifyAdapter(httpServerOptions),
      { logger: false },
    );
    setupOpenApi(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    token = await tokenFor(ALICE, { secret: SECRET });
  });
  afterAll(() => app.close());

  const send = (method: 'GET' | 'POST', url: string, payload?: string, headers = {}) =>
    app.inject({
      method,
      url,
      payload,
      headers: { ...bearer(token), 'content-type': 'application/json', ...headers },
    });

  function expectProblem(
    res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
    status: number,
    code: string,
  ) {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const body = res.json() as Record<string, unknown>;
    expect(body).toMatchObject({ type: `https://parley.dev/problems/${code}`, status, code });
    expect(typeof body.title).toBe('string');
    expect(typeof body.detail).toBe('string');
    return body;
  }

  it('answers a valid request with the caller from the token', async () => {
    const res = await send('POST', '/t/echo', '{"name":"hi","seq":"3"}');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ body: { name: 'hi', seq: 3 }, userId: ALICE });
  });

  it('maps a ChatError to its status and code', async () => {
    const body = expectProblem(await send('GET', '/t/gone'), 404, 'not_found');
    expect(body.detail).toBe('conversation not found');
  });

  it('adds Retry-After in whole seconds when rate limited', async () => {
    const res = await send('GET', '/t/slow');
    expectProblem(res, 429, 'rate_limited');
    expect(res.headers['retry-after']).toBe('2');
  });

  it.each([
    ['broken JSON', '{"name":'],
    ['an empty JSON body', ''],
    ['a __proto__ key', '{"name":"x","__proto__":{"admin":true}}'],
    ['a constructor.prototype key', '{"name":"x","constructor":{"prototype":{"admin":true}}}'],
  ])('refuses %s in the parser with 400 validation_failed', async (_, payload) => {
    const body = expectProblem(await send('POST', '/t/echo', payload), 400, 'validation_failed');
    // Refused by Fastify's parser (secure-json-parse), before zod ever sees the object.
    expect(body.detail).toMatch(/json/i);
  });

  it('refuses a body over the limit with 413', async () => {
    const payload = JSON.stringify({ name: 'x'.repeat(httpServerOptions.bodyLimit + 1) });
    expectProblem(await send('POST', '/t/echo', payload), 413, 'payload_too_large');
  });

  it('refuses an unsupported media type with 415 validation_failed', async () => {
    const res = await send('POST', '/t/echo', '<name/>', { 'content-type': 'application/xml' });
    expectProblem(res, 415, 'validation_failed');
  });

  it('summarises zod issues, unknown keys included', async () => {
    const res = await send('POST', '/t/echo', '{"name":"","seq":-1,"admin":true}');
    const body = expectProblem(res, 400, 'validation_failed');
    const paths = (body.errors as { path: string; message: string }[]).map((e) => e.path);
    expect(paths.sort()).toEqual(['', 'name', 'seq']);
  });

  it('validates and defaults query strings', async () => {
    expect((await send('GET', '/t/page')).json()).toEqual({ limit: 20 });
    expect((await send('GET', '/t/page?limit=5&cursor=abc_-1')).json()).toEqual({
      limit: 5,
      cursor: 'abc_-1',
    });
    for (const q of ['limit=', 'limit=101', 'limit=1e2', 'cursor=a%20b', 'extra=1']) {
      expectProblem(await send('GET', `/t/page?${q}`), 400, 'validation_failed');
    }
  });

  it('answers an unknown route with 404 not_found', async () => {
    expectProblem(await send('GET', '/nope'), 404, 'not_found');
  });

  it('answers an unexpected error with a generic 500 and logs the stack', async () => {
    logged.length = 0;
    const res = await send('GET', '/t/boom');
    const body = expectProblem(res, 500, 'internal');
    expect(res.body).not.toContain('hunter2');
    expect(body.detail).toBe('an unexpected error occurred');
    expect(logged.join('')).toContain('hunter2');
    expect(logged.join('')).toContain('problem.filter.spec.ts'); // the stack
  });

  it.each([
    ['no Authorization header', {}],
    ['another scheme', { authorization: 'Basic YWxpY2U6c2VjcmV0' }],
    ['a bad token', { authorization: 'Bearer abc.def.ghi' }],
  ])('refuses %s with 401 unauthorized', async (_, headers) => {
    const res = await app.inject({ method: 'GET', url: '/t/gone', headers });
    expectProblem(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="parley"');
  });

  it('serves @Public() routes without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/t/open' });
    expect(res.statusCode).toBe(200);
  });

  it('serves the OpenAPI document publicly, built from the zod schemas', async () => {
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    const res = await app.inject({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.components.schemas.EchoDto).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string', minLength: 1, maxLength: 10 } },
      required: ['name'],
      additionalProperties: false,
    });
    const params = doc.paths['/t/page'].get.parameters.map((p: { name: string }) => p.name);
    expect(params.sort()).toEqual(['cursor', 'limit']);
    expect(doc.security).toEqual([{ bearer: [] }]);
  });
});
