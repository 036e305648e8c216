import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The project root (load/harness/ compiles to dist-load/load/harness/). */
export const ROOT = join(__dirname, '..', '..', '..');

/** The local stack's endpoints from `.stack/env` (run `npm run stack:up` first). */
export function stackEnv(): Record<string, string> {
  const file = join(ROOT, '.stack', 'env');
  if (!existsSync(file)) throw new Error('no .stack/env: run `npm run stack:up` first');
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/** The stack's MongoDB URL with another database (benchmarks start on an empty one). */
export function withDatabase(mongoUrl: string, name: string): string {
  const url = new URL(mongoUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
