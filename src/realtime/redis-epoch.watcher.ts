import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { LOGGER, REDIS } from '../infra/tokens';
import { SocketBroadcaster } from './socket-broadcaster';

/**
 * Notices when Redis lost its data (FLUSHALL, a restart without persistence, a failover to
 * an empty replica): the first node to look after the loss writes a new epoch, and every node
 * that sees the epoch change tells its sockets to `sync`. Caches in Redis rebuild themselves
 * from MongoDB on their next miss; what a client may have missed meanwhile, `sync` fetches.
 */
@Injectable()
export class RedisEpochWatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private epoch?: string;
  private readonly key: string;
  private readonly periodMs: number;

  constructor(
    config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly broadcaster: SocketBroadcaster,
  ) {
    this.key = `${config.cluster.prefix}:epoch`;
    this.periodMs = config.cluster.heartbeatMs;
  }

  onApplicationBootstrap(): void {
    const tick = () => {
      void this.check().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.periodMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One look: claims an epoch when there is none, and reports a change of epoch. */
  async check(): Promise<boolean> {
    let current: string | null;
    try {
      const replies = await this.redis
        .multi()
        .set(this.key, randomUUID(), 'NX')
        .get(this.key)
        .exec();
      current = (replies?.[1]?.[1] as string | null) ?? null;
    } catch {
      return false; // Redis away: the adapter's reconnect asks for a sync when it is back
    }
    if (!current) return false;
    const changed = this.epoch !== undefined && current !== this.epoch;
    this.epoch = current;
    if (changed) {
      this.logger.warn('redis lost its data; asking local sockets to sync');
      this.broadcaster.resyncLocal();
    }
    return changed;
  }
}
