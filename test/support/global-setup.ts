import { mongo } from 'mongoose';
import { SERVICE_VARS, stackEnv, TEST_DB_PREFIX } from './stack-env';
import { startContainers } from './containers';

/**
 * Finds the real services once per run: environment variables, then `.stack/env`, then
 * testcontainers when a Docker engine answers. Fails loudly otherwise; there is no mock fallback.
 */
export default async function globalSetup(): Promise<void> {
  let env: Record<string, string>;
  try {
    env = stackEnv();
  } catch (noStack) {
    const started = await startContainers();
    if (!started) throw noStack;
    env = started;
    process.env.PARLEY_EXTERNAL_STACK = '1';
  }
  for (const key of [...SERVICE_VARS, 'S3_REGION']) {
    if (env[key]) process.env[key] = env[key];
  }
  await dropOldTestDatabases(env.MONGO_URL);
}

/** Each test file works in a database of its own; the ones of earlier runs go here. */
async function dropOldTestDatabases(url: string): Promise<void> {
  const client = await mongo.MongoClient.connect(url, { serverSelectionTimeoutMS: 10_000 });
  try {
    const { databases } = await client.db().admin().listDatabases({ nameOnly: true });
    for (const { name } of databases) {
      if (name.startsWith(TEST_DB_PREFIX)) await client.db(name).dropDatabase();
    }
  } finally {
    await client.close();
  }
}
