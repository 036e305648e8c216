/** The server processes a run starts: Parley nodes (dist/main.js) and bare Socket.IO servers. */
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { ROOT, stackEnv } from './stack';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Server {
  url: string;
  child: ChildProcess;
}

const stopped = new WeakSet<ChildProcess>();

/** Kills `child` if it has not exited `ms` after SIGTERM. */
export function stopChild(child: ChildProcess, ms = 15_000): Promise<void> {
  stopped.add(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Servers that exited without being asked to (their own logs say why). */
export function deaths(servers: Server[]): string[] {
  return servers.flatMap(({ url, child }) =>
    !stopped.has(child) && (child.exitCode !== null || child.signalCode !== null)
      ? [`${url} exited (${child.exitCode ?? child.signalCode})`]
      : [],
  );
}

/** Starts the built service against the local stack and waits until it is ready. */
export async function startNode(env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      // Profiling a run: for example PARLEY_BENCH_NODE_OPTIONS=--cpu-prof (profiles in the
      // repository root, written when the node stops).
      ...(process.env.PARLEY_BENCH_NODE_OPTIONS && {
        NODE_OPTIONS: process.env.PARLEY_BENCH_NODE_OPTIONS,
      }),
      ...stackEnv(),
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ID: `bench-${port}`,
      LOG_LEVEL: 'warn',
      // The AWS SDK's notice about future Node versions, once per node, is not news here.
      NODE_NO_WARNINGS: '1',
      // The benchmark measures the write and fan-out paths, not the per-user send limit.
      SEND_RATE_PER_SECOND: '100000',
      SEND_RATE_BURST: '1000000',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error('node did not become ready');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, child };
}

/** Starts load/harness/bare-server.js (the fan-out ceiling) and waits for its `ready`. */
export async function startBare(env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(__dirname, 'bare-server.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bare server did not start')), 10_000);
      child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (err) {
    await stopChild(child, 2000);
    throw err;
  }
  child.stdout!.resume();
  return { url: `http://127.0.0.1:${port}`, child };
}

export function token(userId: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setAudience('chat')
    .setExpirationTime('4h')
    .sign(new TextEncoder().encode(stackEnv().AUTH_JWT_SECRET));
}

export async function post(url: string, tok: string, body: unknown): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Runs `op(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await op(next++);
    }),
  );
}
