import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';

// src/demo or dist/demo → the project root.
const ROOT = join(__dirname, '..', '..');

/** Where each part of the demo is read from: its pages, the built SDK, socket.io-client. */
export function demoFolders() {
  return {
    page: join(ROOT, 'client', 'demo'),
    sdk: join(ROOT, 'client', 'dist'),
    vendor: join(dirname(require.resolve('socket.io-client/package.json')), 'dist'),
  };
}

/**
 * Serves the demo at /demo on every node: static files, no build at run time. The page
 * imports the SDK's compiled ESM (/demo/sdk/, built by `npm run build`) and socket.io-client's
 * browser bundle (/demo/vendor/) through an import map. Signing in needs the dev token
 * endpoint (DEMO_ENABLED=true); without it the page asks for a token.
 */
export async function registerDemoStatic(app: NestFastifyApplication, logger: Logger) {
  const { page, sdk, vendor } = demoFolders();
  if (!existsSync(join(sdk, 'index.js'))) {
    logger.warn({ sdk }, 'the SDK is not built (npm run build): /demo cannot load it');
  }
  const mounts = [
    { root: page, prefix: '/demo/' },
    { root: sdk, prefix: '/demo/sdk/' },
    {
      root: vendor,
      prefix: '/demo/vendor/',
      allowedPath: (path: string) => /^\/socket\.io\.esm\.min\.js(\.map)?$/.test(path),
    },
  ];
  // On Fastify directly, like the static files: public, outside Nest's guards.
  app
    .getHttpAdapter()
    .getInstance()
    .get('/demo', (_request, reply) => reply.redirect('/demo/'));
  for (const mount of mounts) {
    // Swagger's UI registers @fastify/static too: only one may decorate the reply.
    await app.register(fastifyStatic, { ...mount, decorateReply: false, index: 'index.html' });
  }
}
