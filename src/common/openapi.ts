import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';

/**
 * Serves the OpenAPI document at /docs (UI) and /docs-json, generated from the same zod
 * schemas that validate requests. The routes are registered on Fastify directly, not as Nest
 * controllers, so the global AuthGuard never sees them: the documentation stays public.
 * The document is built lazily on the first request.
 */
export function setupOpenApi(app: NestFastifyApplication): void {
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
  SwaggerModule.setup('docs', app, () =>
    cleanupOpenApiDoc(SwaggerModule.createDocument(app, config)),
  );
}
