import { Admin, Kafka, logLevel, LogEntry, Partitioners, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The Kafka client, its idempotent producer and an admin client. Nothing here blocks
 * start-up: a node boots while Kafka is away and reports it through /health.
 */
export class KafkaClients {
  readonly kafka: Kafka;
  /** Idempotent with one request in flight: kafkajs' idempotence is experimental otherwise. */
  readonly producer: Producer;
  readonly admin: Admin;
  private adminConnected?: Promise<void>;

  constructor(config: AppConfig, logger: Logger) {
    const log = logger.child({ component: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: config.kafka.clientId,
      brokers: config.kafka.brokers,
      connectionTimeout: 2000,
      requestTimeout: 5000,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, label, log: entry }: LogEntry) => {
          const { message, ...rest } = entry;
          log[levels[level] ?? 'info']({ label, ...rest }, message);
        },
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Idempotence needs unbounded retries; callers bound each send with their own timeout.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin({ retry: { retries: 0 } });
  }

  /** Answers the broker's cluster description; reconnects the admin after a failure. */
  async describeCluster() {
    this.adminConnected ??= this.admin.connect();
    try {
      await this.adminConnected;
      return await this.admin.describeCluster();
    } catch (err) {
      this.adminConnected = undefined;
      await this.admin.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }
}
