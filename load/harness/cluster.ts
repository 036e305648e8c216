/**
 * What the scenarios run against: Parley (one or two nodes of one cluster on a fresh
 * database) or its ceiling, bare Socket.IO (one server, or two sharing the sharded Redis
 * adapter as Parley's nodes do). Both answer rooms of members the same way, so a scenario
 * runs the same code against either.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { rssBytes } from './cpu';
import { deaths, pool, post, Server, startBare, startNode, stopChild, token } from './processes';
import { stackEnv, withDatabase } from './stack';

export interface Room {
  id: string;
  /** How each member's socket authenticates (bare: `{ room, userId }`; Parley: a token). */
  auth: object[];
}

export interface Cluster {
  kind: 'bare' | 'Parley';
  label: string;
  servers: Server[];
  /** Parley: the database its nodes use (fresh for the cluster, dropped when it stops). */
  mongoUrl?: string;
  /** Creates `count` rooms of `size` members. */
  makeRooms(count: number, size: number): Promise<Room[]>;
  /** How `count` users in no conversation authenticate (each socket is then in one room:
   * Parley's `user:<id>`, the bare server's own room). */
  makeUsers(count: number): Promise<object[]>;
  /** RSS and V8 heap in use, bytes, per server. */
  memory(): Promise<{ rss: number; heap: number }[]>;
  /** Messages stored (Parley), NaN for bare. */
  storedMessages(): Promise<number>;
  /** Server processes that exited on their own. */
  deaths(): string[];
  stop(): Promise<void>;
}

export async function bareCluster(nodes: 1 | 2, runId: string): Promise<Cluster> {
  const env: Record<string, string> =
    nodes === 2 ? { REDIS_URL: stackEnv().REDIS_URL, CHANNEL_PREFIX: `${runId}-bare` } : {};
  const servers: Server[] = [];
  try {
    for (let i = 0; i < nodes; i++) servers.push(await startBare(env));
  } catch (err) {
    await Promise.all(servers.map((s) => stopChild(s.child)));
    throw err;
  }
  return {
    kind: 'bare',
    label: `bare Socket.IO${nodes > 1 ? ` ×${nodes}` : ''}`,
    servers,
    async makeRooms(count, size) {
      return Array.from({ length: count }, () => {
        const id = randomBytes(12).toString('hex');
        return {
          id,
          auth: Array.from({ length: size }, () => ({ room: id, userId: randomUUID() })),
        };
      });
    },
    makeUsers: async (count) =>
      Array.from({ length: count }, () => {
        const userId = randomUUID();
        return { room: userId, userId };
      }),
    memory: () =>
      Promise.all(
        servers.map(async (s) => {
          const stats = (await (await fetch(`${s.url}/stats`)).json()) as { heapUsed: number };
          return { rss: rssBytes(s.child.pid!), heap: stats.heapUsed };
        }),
      ),
    storedMessages: async () => NaN,
    deaths: () => deaths(servers),
    stop: async () => {
      await Promise.all(servers.map((s) => stopChild(s.child)));
    },
  };
}

export async function parleyCluster(
  nodes: 1 | 2,
  runId: string,
  extraEnv: Record<string, string> = {},
): Promise<Cluster> {
  // A fresh database: FerretDB scans whole collections for every filter, so a run on top
  // of old data would measure the old data.
  const mongoUrl = withDatabase(
    stackEnv().MONGO_URL,
    `bench_${runId}_${nodes}n`.replace(/-/g, '_'),
  );
  const env = { ...extraEnv, MONGO_URL: mongoUrl, CLUSTER_PREFIX: `${runId}-${nodes}n` };
  const started = await Promise.allSettled(Array.from({ length: nodes }, () => startNode(env)));
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const db = await mongo.MongoClient.connect(mongoUrl);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((n) => stopChild(n.child)));
    await db
      .db()
      .dropDatabase()
      .catch(() => undefined);
    await db.close();
    throw failed.reason;
  }
  return {
    kind: 'Parley',
    label: `Parley${nodes > 1 ? ` ×${nodes}` : ''}`,
    servers,
    mongoUrl,
    async makeRooms(count, size) {
      const rooms: Room[] = new Array(count);
      await pool(count, 8, async (r) => {
        const users = Array.from({ length: size }, () => randomUUID());
        const tokens = await Promise.all(users.map(token));
        const group = await post(`${servers[r % servers.length].url}/conversations`, tokens[0], {
          type: 'group',
          name: `bench ${r}`,
          participants: users.slice(1),
        });
        rooms[r] = { id: group.id, auth: tokens.map((t) => ({ token: t })) };
      });
      return rooms;
    },
    makeUsers: (count) =>
      Promise.all(
        Array.from({ length: count }, async () => ({ token: await token(randomUUID()) })),
      ),
    memory: () =>
      Promise.all(
        servers.map(async (s) => {
          const text = await (await fetch(`${s.url}/metrics`)).text();
          const m = /^parley_nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
          return { rss: rssBytes(s.child.pid!), heap: m ? Number(m[1]) : NaN };
        }),
      ),
    storedMessages: () => db.db().collection('messages').countDocuments({}),
    deaths: () => deaths(servers),
    async stop() {
      await Promise.all(servers.map((n) => stopChild(n.child)));
      await db
        .db()
        .dropDatabase()
        .catch((err) => console.error(`bench: dropping ${mongoUrl}: ${err}`));
      await db.close();
    },
  };
}
