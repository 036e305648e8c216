import type { FastifyCorsOptions } from '@fastify/cors';

/**
 * Whether a request from `origin` may be served, for REST and Socket.IO alike. No Origin
 * header: not a browser (browsers send one on every CORS request and WebSocket upgrade).
 * With `host` (the request's Host header), a page served by this very host is allowed too:
 * the demo at /demo, or any page a node serves itself, is same-origin.
 */
export function originAllowed(
  origin: string | undefined,
  allowlist: readonly string[],
  host?: string,
): boolean {
  if (origin === undefined || allowlist.includes('*') || allowlist.includes(origin)) return true;
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/** How long a browser may cache a preflight answer (Chromium caps it at 2 hours). */
export const PREFLIGHT_MAX_AGE_S = 600;

/**
 * CORS for the REST edge (`@fastify/cors`), from the same `CORS_ORIGINS` allowlist as the
 * socket. An allowed origin is echoed back (`*` only when the allowlist says `*`) and its
 * preflights are answered in the onRequest hook, before the AuthGuard could refuse them. Any
 * other origin gets no `Access-Control-*` header at all, and its preflight falls through to
 * the 404 of an unknown route, so the browser refuses the call. Tokens travel in the
 * Authorization header, never in cookies, so credentials stay off.
 */
export function corsOptions(allowlist: readonly string[]): FastifyCorsOptions {
  const all = allowlist.includes('*');
  return {
    origin: (origin, callback) => {
      if (origin === undefined || !originAllowed(origin, allowlist)) callback(null, false);
      else callback(null, all ? '*' : origin);
    },
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type'],
    exposedHeaders: ['retry-after'],
    maxAge: PREFLIGHT_MAX_AGE_S,
    credentials: false,
  };
}
