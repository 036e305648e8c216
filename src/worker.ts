import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from './config/load-config';
import { createLogger, PinoNestLogger } from './infra/logger';
import { WorkerModule } from './jobs/worker.module';

/**
 * `npm run worker` (`node dist/worker.js`): the outbox relay and the BullMQ workers in a
 * process of their own, configured like a gateway (same environment). Run gateways with
 * RELAY_ENABLED=false and WORKERS_ENABLED=false to move that work here entirely.
 */
async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, config.nodeId);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'worker shutting down');
      setTimeout(() => {
        logger.error('shutdown timed out, exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs).unref();
      app.close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  logger.info(
    { relay: config.outbox.relayEnabled, workers: config.workers.enabled },
    'parley worker running',
  );
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(
    `parley worker failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
