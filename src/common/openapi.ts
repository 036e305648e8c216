import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import type { Logger } from 'pino';
import { AppModule } from '../app.module';
import type { AppConfig } from '../config/app-config';
import { withAnswers } from './openapi-views';

function buildDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Parley')
    .setDescription('Realtime chat backend: REST surface. Socket.IO events: docs/asyncapi.yaml')
    .setVersion('0.1.0')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  // cleanupOpenApiDoc turns nestjs-zod's placeholder schemas into real JSON Schema
  // (z.toJSONSchema output, fixed up for the document's OpenAPI version); without it the
  // zod DTOs render wrongly.
  return withAnswers(cleanupOpenApiDoc(SwaggerModule.createDocument(app, config)));
}

/**
 * Serves the OpenAPI document at /docs (UI) and /docs-json, generated from the same zod
 * schemas that validate requests. The routes are registered on Fastify directly, not as Nest
 * controllers, so the global AuthGuard never sees them: the documentation stays public.
 * The document is built lazily on the first request.
 */
export function setupOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup('docs', app, () => buildDocument(app));
}

/**
 * The same document without a running stack: Nest's preview mode reads the controllers'
 * metadata without instantiating a provider, so nothing connects anywhere. For the SDK's
 * generated types (client/scripts/openapi.mjs).
 */
export async function offlineOpenApiDocument(
  config: AppConfig,
  logger: Logger,
): Promise<OpenAPIObject> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger),
    new FastifyAdapter(),
    { preview: true, logger: false, abortOnError: false },
  );
  try {
    return buildDocument(app);
  } finally {
    await app.close();
  }
}
