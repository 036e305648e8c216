import { SERVICE_VARS, stackEnv } from './stack-env';
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
}
