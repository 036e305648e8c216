import type { ErrorCode } from './wire.js';

/** Codes after which the same request may succeed later (the server's `temporary`). */
const TEMPORARY: ReadonlySet<string> = new Set(['unavailable', 'rate_limited', 'internal']);

/**
 * Every failure the SDK reports: the server's stable `code` (CONTRACT.md, Errors), or
 * `timeout` / `disconnected` / `network` when no answer came. `temporary` says whether the
 * same request may succeed later; `send()` retries those by itself.
 */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  readonly temporary: boolean;

  constructor(
    readonly code: ErrorCode | 'timeout' | 'disconnected' | 'network',
    message: string,
    readonly status?: number,
    /** With `rate_limited`: when a retry may succeed. */
    readonly retryAfterMs?: number,
    /** With `validation_failed`: which fields. */
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
    this.temporary =
      code === 'timeout' || code === 'disconnected' || code === 'network' || TEMPORARY.has(code);
  }
}
