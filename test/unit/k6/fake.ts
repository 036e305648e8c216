import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const FAKE_SECRET = 'k6-spec-secret-0123456789abcdefghijkl';

/** Starts fake-parley.mjs in its own process; `stop` ends every one started. */
export function fakeParley(): {
  start(env?: Record<string, string>): Promise<string>;
  stop(): void;
} {
  const children: ChildProcess[] = [];
  return {
    start(env = {}) {
      const child = spawn(process.execPath, [join(__dirname, 'fake-parley.mjs')], {
        env: { PATH: process.env.PATH, SECRET: FAKE_SECRET, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      return new Promise((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`fake-parley exited with ${code}`)));
        child.stdout!.on('data', (chunk: Buffer) => {
          const m = /ready (\d+)/.exec(String(chunk));
          if (m) resolve(`http://127.0.0.1:${m[1]}`);
        });
      });
    },
    stop: () => children.forEach((c) => c.kill('SIGTERM')),
  };
}
