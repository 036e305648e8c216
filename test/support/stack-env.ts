import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const STACK_ENV_FILE = join(ROOT, '.stack', 'env');

/** The variables that locate the real services. */
export const SERVICE_VARS = [
  'MONGO_URL',
  'REDIS_URL',
  'KAFKA_BROKERS',
  'S3_ENDPOINT',
  'S3_BUCKET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'SEARCH_URL',
  'AUTH_JWT_SECRET',
] as const;

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

/**
 * Where the tests' real services are: the environment first, then `.stack/env` written by
 * `npm run stack:up`. Never a mock: with neither, this throws with what to run.
 */
export function stackEnv(): Record<string, string> {
  const fromEnv = Object.fromEntries(
    SERVICE_VARS.filter((k) => process.env[k]).map((k) => [k, process.env[k] as string]),
  );
  if (SERVICE_VARS.every((k) => fromEnv[k])) return { S3_REGION: 'us-east-1', ...fromEnv };
  if (existsSync(STACK_ENV_FILE)) {
    return {
      S3_REGION: 'us-east-1',
      ...parseEnvFile(readFileSync(STACK_ENV_FILE, 'utf8')),
      ...fromEnv,
    };
  }
  throw new Error(
    `No services for integration tests: set ${SERVICE_VARS.join(', ')} or run \`npm run stack:up\` ` +
      '(or run on a machine with a Docker engine so test/support/global-setup.ts can start containers).',
  );
}

/** True when the services are the local process stack that scripts/stack.sh can stop and start. */
export function isLocalStack(): boolean {
  return existsSync(STACK_ENV_FILE) && !process.env.PARLEY_EXTERNAL_STACK;
}

/**
 * The same server with another database: each test file gets its own, so files never see
 * each other's data and stay small (FerretDB scans a collection for every filter, so query
 * time grows with the collection).
 */
export function withDatabase(mongoUrl: string, name: string): string {
  const url = new URL(mongoUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Test databases start with this. They are not dropped by the tests (on FerretDB's SQLite
 * backend, used before PostgreSQL, listDatabases stalled behind a busy database file), and CI
 * starts from a fresh .stack/ anyway (`bash scripts/stack.sh reset` clears them locally).
 */
export const TEST_DB_PREFIX = 'test_';

/** A test database name that carries its creation time (`test_<epoch s>_<id>`). */
export function testDatabaseName(id: string): string {
  return `${TEST_DB_PREFIX}${Math.floor(Date.now() / 1000)}_${id}`;
}
