import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import { LogController } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import fastifyCors from '@fastify/cors';
import { corsOptions } from './common/cors';
import { httpServerOptions } from './common/http-options';
import { setupOpenApi } from './common/openapi';
import { AppConfig } from './config/app-config';
import { registerDemoStatic } from './demo/demo-static';
import { MetricsService } from './health/metrics.service';
import { PinoNestLogger } from './infra/logger';
import { SocketIoAdapter } from './realtime/socket-io.adapter';

/** Builds the Nest application on Fastify; shared by main.ts and the integration tests. */
export async function createApp(
  config: AppConfig,
  logger: Logger,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // Per-request lines are left to metrics; errors are still logged by ProblemFilter.
    logController: new LogController({ disableRequestLogging: true }),
    ...httpServerOptions,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger),
    adapter,
    {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    },
  );

  // Before any route: preflights are answered in the onRequest hook, ahead of the AuthGuard.
  await app.register(fastifyCors, corsOptions(config.corsOrigins));
  await registerDemoStatic(app, logger);

  const metrics = app.get(MetricsService);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
        },
        reply.elapsedTime / 1000,
      );
    });

  setupOpenApi(app);
  app.useWebSocketAdapter(new SocketIoAdapter(app));

  return app;
}
