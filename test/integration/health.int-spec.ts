import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startTestApp } from '../support/app';
import { expectEventually } from '../support/eventually';
import { isLocalStack } from '../support/stack-env';
import { Service, stackService } from '../support/stack-control';

type Health = { status: string; checks: Record<Service, { status: string; error?: string }> };

describe('GET /health against the real stack', () => {
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startTestApp({ HEALTH_TIMEOUT_MS: '1500', LOG_LEVEL: 'fatal' }));
  });
  afterAll(async () => {
    await app?.close();
  });

  async function health(): Promise<{ status: number; body: Health }> {
    const res = await fetch(`${url}/health`);
    return { status: res.status, body: (await res.json()) as Health };
  }

  it('answers 200 with every dependency up', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ok',
      checks: {
        mongo: { status: 'up' },
        redis: { status: 'up' },
        kafka: { status: 'up' },
        s3: { status: 'up' },
        search: { status: 'up' },
      },
    });
  });

  it('is live, and ready once serving', async () => {
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', node: 'serving' });
  });

  const services: Service[] = ['redis', 'mongo', 'kafka', 's3', 'search'];
  const local = isLocalStack() ? it : it.skip;

  describe.each(services)('when %s stops', (service) => {
    local(
      `answers 503 naming ${service}, then 200 once it is back`,
      async () => {
        await stackService('stop', service);
        try {
          const down = await expectEventually(async () => {
            const r = await health();
            expect(r.status).toBe(503);
            expect(r.body.checks[service].status).toBe('down');
            return r;
          });
          expect(down.body.status).toBe('error');
          for (const other of services.filter((s) => s !== service)) {
            expect(down.body.checks[other]).toEqual({ status: 'up' });
          }
          // Chat works without search: the node stays ready (degraded) while it is away.
          const ready = await fetch(`${url}/health/ready`);
          expect(ready.status).toBe(service === 'search' ? 200 : 503);
        } finally {
          await stackService('start', service);
        }
        await expectEventually(
          async () => {
            const r = await health();
            expect(r.body.checks[service]).toEqual({ status: 'up' });
            expect(r.status).toBe(200);
          },
          { timeoutMs: 60_000 },
        );
      },
      240_000,
    );
  });
});
