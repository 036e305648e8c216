import type { FastifyServerOptions } from 'fastify';

/** Server options shared by every node and the in-process HTTP tests. */
export const httpServerOptions = {
  bodyLimit: 256 * 1024,
  // Fastify 5 already defaults both to 'error': secure-json-parse then rejects a body with a
  // `__proto__` or `constructor.prototype` key as invalid JSON (400) instead of parsing it.
  // Pinned so that a dependency upgrade cannot quietly relax it to 'ignore' or 'remove'.
  onProtoPoisoning: 'error',
  onConstructorPoisoning: 'error',
  // A reaction's emoji is a path parameter: the longest RGI sequences take ~110 characters
  // once percent-encoded (the default, 100, would answer them 404). Checked by zod after.
  routerOptions: { maxParamLength: 320 },
} as const satisfies FastifyServerOptions;
