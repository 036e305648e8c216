import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { createApp } from '../../src/app';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { NodeState } from '../../src/health/node-state';
import { stackEnv, testDatabaseName, withDatabase } from './stack-env';

/** The configuration of a node on the real stack, with `overrides` applied. */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  const env = stackEnv();
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    ...env,
    MONGO_URL: withDatabase(env.MONGO_URL, DATABASE),
    ...overrides,
  });
}

/** One database per test file (module registries are per file in jest). */
const DATABASE = testDatabaseName(randomBytes(4).toString('hex'));

/** A full application in this process against the real stack, listening on a random port. */
export async function startTestApp(overrides: Record<string, string> = {}) {
  const id = randomBytes(4).toString('hex');
  const config = testConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ID: `test-${id}`,
    CLUSTER_PREFIX: `test-${id}`,
    ...overrides,
  });
  const app: NestFastifyApplication = await createApp(config, pino({ level: config.logLevel }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  app.get(NodeState).markServing();
  return { app, config, url: await app.getUrl() };
}
