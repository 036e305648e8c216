import { Global, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../health/metrics.service';
import { LOGGER, REDIS } from '../infra/tokens';
import { ClusterMembership } from './cluster-membership';
import { NodeBus } from './node-bus';
import { RedisNodeRegistry } from './node-registry';

/**
 * Node membership, conversation ownership and node-to-node requests, on the shared Redis.
 * Lifecycle: the bus subscribes in onModuleInit, so a node listens before it is announced
 * (onApplicationBootstrap joins); on close it leaves in beforeApplicationShutdown and the bus
 * closes last (onApplicationShutdown), so replies to already accepted requests still go out.
 */
@Global()
@Module({
  providers: [
    {
      provide: NodeBus,
      inject: [REDIS, AppConfig, LOGGER, MetricsService],
      useFactory: (redis: Redis, config: AppConfig, logger: Logger, metrics: MetricsService) =>
        new NodeBus(
          redis,
          {
            nodeId: config.nodeId,
            requestTimeoutMs: config.cluster.requestTimeoutMs,
            prefix: config.cluster.prefix,
          },
          logger.child({ module: 'node-bus' }),
          metrics.registry,
        ),
    },
    {
      provide: ClusterMembership,
      inject: [REDIS, AppConfig, LOGGER, MetricsService],
      useFactory: (redis: Redis, config: AppConfig, logger: Logger, metrics: MetricsService) =>
        new ClusterMembership(
          new RedisNodeRegistry(redis, config.cluster.prefix),
          {
            nodeId: config.nodeId,
            heartbeatMs: config.cluster.heartbeatMs,
            nodeTtlMs: config.cluster.nodeTtlMs,
          },
          logger.child({ module: 'cluster' }),
          metrics.registry,
        ),
    },
  ],
  exports: [ClusterMembership, NodeBus],
})
export class ClusterModule {}
