import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ActorRegistry } from './actors/actor-registry';
import { createApp } from './app';
import { ClusterMembership } from './cluster/cluster-membership';
import { loadConfigOrExit } from './config/load-config';
import { NodeState } from './health/node-state';
import { createLogger } from './infra/logger';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, config.nodeId);
  const app = await createApp(config, logger);

  // Drain on SIGTERM/SIGINT: stop taking work, close the app (its hooks close the clients),
  // exit 0; a shutdown that overruns SHUTDOWN_TIMEOUT_MS exits 1.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      app.get(NodeState).markDraining();
      setTimeout(() => {
        logger.error('shutdown timed out, exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs).unref();
      // Leave the live set first so other nodes take over this node's conversations, let
      // the actors finish what they accepted, then close sockets, servers and clients.
      leaveDrainClose(app, config.shutdownTimeoutMs / 2).then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }

  await app.listen({ port: config.port, host: config.host, backlog: config.listenBacklog });
  app.get(NodeState).markServing();
  logger.info({ port: config.port, nodeId: config.nodeId }, 'parley listening');
}

async function leaveDrainClose(app: NestFastifyApplication, drainMs: number): Promise<void> {
  await app.get(ClusterMembership).leave();
  await app.get(ActorRegistry).drain(drainMs);
  await app.close();
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(
    `parley failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
