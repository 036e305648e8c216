import { startNode, stopNode, spawnNode, freePort } from '../support/node-process';
import { stackEnv } from '../support/stack-env';

describe('the built service as a process', () => {
  it('boots on the real stack, reports every dependency up, serves metrics and docs, and stops on SIGTERM', async () => {
    const node = await startNode();
    try {
      const health = await fetch(`${node.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({
        status: 'ok',
        checks: {
          mongo: { status: 'up' },
          redis: { status: 'up' },
          kafka: { status: 'up' },
          s3: { status: 'up' },
          search: { status: 'up' },
        },
      });

      const metrics = await (await fetch(`${node.url}/metrics`)).text();
      expect(metrics).toContain('parley_process_resident_memory_bytes');
      expect(metrics).toMatch(
        /parley_http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} 1/,
      );

      const docs = await fetch(`${node.url}/docs-json`);
      expect(docs.status).toBe(200);
      expect(await docs.json()).toMatchObject({
        openapi: expect.stringMatching(/^3\./),
        info: { title: 'Parley' },
      });
    } finally {
      expect(await stopNode(node)).toBe(0);
    }
  }, 90_000);

  it('refuses to start with a malformed setting and names it in one line', async () => {
    const env = { ...stackEnv(), PORT: String(await freePort()), KAFKA_BROKERS: 'no-port-here' };
    const node = spawnNode(env);
    expect(await node.exited).toBe(1);
    expect(node.output().trim()).toBe(
      'Invalid configuration: KAFKA_BROKERS: each broker must be host:port',
    );
  }, 30_000);

  it('refuses to start without a required setting', async () => {
    const env = stackEnv();
    delete env.MONGO_URL;
    const node = spawnNode({ ...env, PORT: String(await freePort()) });
    expect(await node.exited).toBe(1);
    expect(node.output().trim()).toBe('Invalid configuration: MONGO_URL is required');
  }, 30_000);
});
