import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { S3Client } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { KafkaClients } from './kafka';
import { connectMongo } from './mongo';
import { createS3Client } from './s3';
import { KAFKA, LOGGER, MONGO_CONNECTION, REDIS, S3 } from './tokens';

/**
 * The clients of the real services, built once from AppConfig and shared by injection.
 * LOGGER is provided by the bootstrap (see app.module.ts).
 */
@Global()
@Module({
  providers: [
    {
      provide: MONGO_CONNECTION,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => connectMongo(config),
    },
    {
      provide: REDIS,
      inject: [AppConfig, LOGGER],
      useFactory: (config: AppConfig, logger: Logger) => {
        const redis = new Redis(config.redis.url, { connectionName: `parley:${config.nodeId}` });
        redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
        return redis;
      },
    },
    {
      provide: KAFKA,
      inject: [AppConfig, LOGGER],
      useFactory: (config: AppConfig, logger: Logger) => new KafkaClients(config, logger),
    },
    { provide: S3, inject: [AppConfig], useFactory: (config: AppConfig) => createS3Client(config) },
  ],
  exports: [MONGO_CONNECTION, REDIS, KAFKA, S3],
})
export class InfraModule implements OnApplicationShutdown {
  constructor(
    @Inject(MONGO_CONNECTION) private readonly mongo: Connection,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(KAFKA) private readonly kafka: KafkaClients,
    @Inject(S3) private readonly s3: S3Client,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([
      this.mongo.close(),
      this.redis.quit().catch(() => this.redis.disconnect()),
      this.kafka.close(),
    ]);
    this.s3.destroy();
  }
}
