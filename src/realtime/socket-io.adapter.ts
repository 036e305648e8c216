import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { IncomingMessage } from 'node:http';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { Server, ServerOptions } from 'socket.io';
import { originAllowed } from '../common/cors';
import { AppConfig } from '../config/app-config';
import { LOGGER, REDIS } from '../infra/tokens';
import { CHAT_NAMESPACE } from './events';
import { SubscriptionTracker } from './subscription-tracker';

// Shutdown must not hang on a Redis that is down (the adapter's SUNSUBSCRIBEs would wait).
const CLOSE_TIMEOUT_MS = 2000;

/**
 * The Socket.IO server of every node: the Redis adapter in sharded mode (SPUBLISH, one
 * channel per room, so a node only receives rooms it has members in), an Origin allowlist,
 * small frames and no compression (a broadcast is encoded once and sent as is).
 *
 * Connection state recovery stays off: it would replay missed packets before the auth
 * middleware could refuse the socket. Recovery is `seq` + `sync`, and when the subscriber
 * connection comes back after a drop every local socket is told `sync:required`.
 */
export class SocketIoAdapter extends IoAdapter {
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly subscriptions: SubscriptionTracker;
  private server?: Server;

  constructor(app: INestApplicationContext) {
    super(app);
    this.config = app.get(AppConfig);
    this.logger = app.get<Logger>(LOGGER).child({ component: 'socket.io-adapter' });
    this.subscriptions = app.get(SubscriptionTracker);
    const redis = app.get<Redis>(REDIS);
    const name = `parley:${this.config.nodeId}`;
    // Publishing while Redis is away fails at once (the adapter then delivers locally)
    // instead of queueing stale broadcasts for later.
    this.pub = redis.duplicate({ connectionName: `${name}:io-pub`, enableOfflineQueue: false });
    // Subscribe commands wait for the reconnect instead of being failed after 20 retries: a
    // room joined during an outage would otherwise never be subscribed on this node.
    this.sub = redis.duplicate({ connectionName: `${name}:io-sub`, maxRetriesPerRequest: null });
    for (const [role, client] of [
      ['pub', this.pub],
      ['sub', this.sub],
    ] as const) {
      // One line per outage, not one per reconnect attempt.
      let healthy = true;
      client.on('ready', () => (healthy = true));
      client.on('error', (err: Error) => {
        if (healthy) this.logger.warn({ role, err: err.message }, 'redis connection lost');
        healthy = false;
      });
    }
    this.catchSubscriptionFailures();
    this.resyncAfterReconnect();
  }

  /**
   * Builds the Server from the project's socket.io rather than calling super: Nest's
   * platform package pins its own nested copy (4.8.3 beside our 4.8.4).
   */
  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const { corsOrigins } = this.config;
    const all = corsOrigins.includes('*');
    const opts: Partial<ServerOptions> = {
      ...options,
      adapter: createShardedAdapter(this.pub, this.sub, {
        subscriptionMode: 'dynamic',
        // One cluster's rooms never mix with another's sharing the Redis (CLUSTER_PREFIX).
        channelPrefix: `${this.config.cluster.prefix}:socket.io`,
      }),
      transports: ['websocket', 'polling'],
      maxHttpBufferSize: 100_000,
      perMessageDeflate: false,
      httpCompression: false,
      serveClient: false,
      // The `cors` option only answers polling preflights; it does not stop a WebSocket
      // upgrade from a foreign page. allowRequest runs for every new engine.io session.
      allowRequest: (req: IncomingMessage, callback: (err: string | null, ok: boolean) => void) =>
        originAllowed(req.headers.origin, corsOrigins, req.headers.host)
          ? callback(null, true)
          : callback('origin not allowed', false),
      cors: { origin: all ? true : corsOrigins, credentials: true },
    };
    this.server =
      this.httpServer && port === 0 ? new Server(this.httpServer, opts) : new Server(port, opts);
    return this.server;
  }

  override async close(server: Parameters<IoAdapter['close']>[0]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, CLOSE_TIMEOUT_MS)));
    await Promise.race([super.close(server), timeout]);
    clearTimeout(timer);
  }

  override async dispose(): Promise<void> {
    await Promise.allSettled(
      [this.pub, this.sub].map((c) => (c.status === 'ready' ? c.quit() : c.disconnect())),
    );
  }

  /**
   * The adapter fires SSUBSCRIBE/SUNSUBSCRIBE and drops their promises; a rejection (the
   * client closed, a Redis error reply) would be an unhandledRejection, fatal to the process.
   */
  private catchSubscriptionFailures(): void {
    for (const command of ['ssubscribe', 'sunsubscribe'] as const) {
      const original = this.sub[command].bind(this.sub) as (...args: unknown[]) => Promise<unknown>;
      (this.sub as unknown as Record<string, unknown>)[command] = (...args: unknown[]) => {
        const reply = original(...args);
        if (command === 'ssubscribe') this.subscriptions.track(reply);
        reply.catch((err: Error) =>
          this.logger.warn({ command, err: err.message }, 'redis subscription failed'),
        );
        return reply;
      };
    }
  }

  /**
   * While the subscriber is away, broadcasts from other nodes are lost for good. ioredis
   * re-issues every confirmed SSUBSCRIBE (autoResubscribe) and resends the unconfirmed ones
   * on 'ready'; a PING queued behind them answers once they are all in place, and only then
   * are the local sockets told to resync, so a sync cannot run before delivery resumes.
   */
  private resyncAfterReconnect(): void {
    let connected = false;
    let dropped = false;
    this.sub.on('close', () => (dropped = connected));
    this.sub.on('ready', () => {
      connected = true;
      if (!dropped) return;
      dropped = false;
      // 'ready' is emitted before ioredis writes the resubscriptions: queue the PING after.
      setImmediate(() => {
        void this.sub
          .ping()
          .catch(() => undefined)
          .then(() => {
            const sockets = this.server?.of(CHAT_NAMESPACE);
            this.logger.warn(
              { sockets: sockets?.sockets.size ?? 0 },
              'redis subscriber reconnected; asking local sockets to sync',
            );
            sockets?.local.emit('sync:required', {});
          });
      });
    });
  }
}
