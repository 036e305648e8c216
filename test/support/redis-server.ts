import { ChildProcess, spawn } from 'node:child_process';

/**
 * A private redis-server on `port`, without persistence, for tests that kill, restart or
 * flush Redis (the stack's is shared and is never touched; scripts/stack.sh installs
 * redis-server, so it is always there). Resolves once it accepts connections.
 */
export function runRedisServer(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', [
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    child.on('error', reject);
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('Ready to accept connections')) resolve(child);
    });
  });
}
