import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './stack-env';

const run = promisify(execFile);
export type Service = 'redis' | 'mongo' | 'kafka' | 's3' | 'search';

/** Stops or starts one service of the local stack (scripts/stack.sh waits until it answers). */
export async function stackService(action: 'stop' | 'start', service: Service): Promise<void> {
  await run('bash', [join(ROOT, 'scripts', 'stack.sh'), action, service], {
    cwd: ROOT,
    timeout: 180_000,
  });
}
