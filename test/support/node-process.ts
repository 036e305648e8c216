import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expectEventually } from './eventually';
import { ROOT, stackEnv, testDatabaseName, withDatabase } from './stack-env';

/**
 * Node settings for tests that kill a node: a dead node leaves the live set within ~2 s,
 * and no send rate limit gets in the way of bulk sends.
 */
export const FAST_FAILOVER_ENV = {
  CLUSTER_HEARTBEAT_MS: '300',
  CLUSTER_NODE_TTL_MS: '1500',
  CLUSTER_REQUEST_TIMEOUT_MS: '2000',
  SEND_RATE_BURST: '10000',
  SEND_RATE_PER_SECOND: '10000',
};

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface NodeProcess {
  url: string;
  /** NODE_ID, the node's name in the cluster. */
  nodeId: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs the built service (dist/main.js) as a separate process, like a container would. */
export function spawnNode(env: Record<string, string>): NodeProcess {
  let output = '';
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    url: `http://127.0.0.1:${env.PORT}`,
    nodeId: env.NODE_ID ?? '',
    child,
    output: () => output,
    exited,
  };
}

/**
 * The cluster namespace of this test file: nodes started by one file form one cluster,
 * and never see nodes of other files (or of `npm run up`) on the shared Redis.
 */
export const CLUSTER_PREFIX = `e2e-${randomBytes(4).toString('hex')}`;
/** …and one database. */
const DATABASE = testDatabaseName(CLUSTER_PREFIX.replace(/-/g, '_'));

// Nodes boot one after another: concurrent index builds on one fresh database can deadlock
// FerretDB's SQLite backend (see src/infra/model-provider.ts).
let booting: Promise<unknown> = Promise.resolve();

/** Spawns a node on the real stack and waits until /health/ready answers 200. */
export function startNode(overrides: Record<string, string> = {}): Promise<NodeProcess> {
  const started = booting.then(() => bootNode(overrides));
  booting = started.catch(() => undefined);
  return started;
}

async function bootNode(overrides: Record<string, string> = {}): Promise<NodeProcess> {
  const port = await freePort();
  const env = stackEnv();
  const node = spawnNode({
    ...env,
    MONGO_URL: withDatabase(env.MONGO_URL, DATABASE),
    HOST: '127.0.0.1',
    PORT: String(port),
    NODE_ID: `e2e-${port}`,
    CLUSTER_PREFIX,
    LOG_LEVEL: 'warn',
    ...overrides,
  });
  let exitCode: number | null | undefined;
  void node.exited.then((c) => (exitCode = c));
  await expectEventually(
    async () => {
      if (exitCode !== undefined) throw new Error(`node exited (${exitCode}): ${node.output()}`);
      const res = await fetch(`${node.url}/health/ready`);
      expect(res.status).toBe(200);
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  ).catch((err: Error) => {
    node.child.kill('SIGKILL');
    throw new Error(`${err.message}\n--- node output ---\n${node.output()}`);
  });
  return node;
}

/** SIGTERM and wait for the exit code. */
export async function stopNode(node: NodeProcess): Promise<number | null> {
  if (node.child.exitCode !== null) return node.child.exitCode;
  node.child.kill('SIGTERM');
  return node.exited;
}

/** Waits until every node sees exactly these nodes live, so no ownership moves mid-test. */
export async function awaitClusterView(nodes: readonly NodeProcess[]): Promise<void> {
  await expectEventually(async () => {
    for (const node of nodes) {
      const metrics = await (await fetch(`${node.url}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`^parley_cluster_live_nodes ${nodes.length}$`, 'm'));
    }
  });
}
