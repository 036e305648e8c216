/** The stable machine words of the contract (CONTRACT.md, Errors). Never rename one. */
export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'not_found'
  | 'forbidden'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

const statuses: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  not_found: 404,
  forbidden: 403,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** The HTTP status a code answers with; the socket transport sends the code alone. */
export function statusOf(code: ErrorCode): number {
  return statuses[code];
}

// Retrying the same request later may succeed for these (Centrifuge's `temporary`).
const temporaryCodes: ReadonlySet<ErrorCode> = new Set(['rate_limited', 'unavailable', 'internal']);

/** One field-level problem; `path` is dotted (`participants.0`), empty for the whole input. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Turns zod-style issues (any zod version) into the wire's `errors` entries. */
export function fieldIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): FieldIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export interface ChatErrorOptions {
  details?: FieldIssue[];
  retryAfterMs?: number;
  temporary?: boolean;
  cause?: unknown;
}

/**
 * Errors as data (Centrifuge style): services and actors throw a ChatError with a stable
 * `code` and a message safe to show a client; each transport maps it (HTTP: problem+json via
 * ProblemFilter, Socket.IO: `{ ok: false, error: { code, message } }`). `temporary` tells a
 * client whether retrying the same request may help. Services never throw HTTP exceptions.
 */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  readonly details?: FieldIssue[];
  readonly retryAfterMs?: number;
  readonly temporary: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: ChatErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
    this.temporary = options.temporary ?? temporaryCodes.has(code);
  }

  get status(): number {
    return statusOf(this.code);
  }

  /** `ChatError.notFound('conversation')` → "conversation not found". */
  static notFound(what: string): ChatError {
    return new ChatError('not_found', `${what} not found`);
  }

  static forbidden(message: string): ChatError {
    return new ChatError('forbidden', message);
  }

  static unauthorized(message = 'a valid bearer token is required'): ChatError {
    return new ChatError('unauthorized', message);
  }

  static validation(message: string, details?: FieldIssue[]): ChatError {
    return new ChatError('validation_failed', message, { details });
  }

  static conflict(message: string): ChatError {
    return new ChatError('conflict', message);
  }

  static rateLimited(retryAfterMs: number): ChatError {
    return new ChatError('rate_limited', 'too many requests; retry later', {
      retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)),
    });
  }

  static unavailable(message: string, cause?: unknown): ChatError {
    return new ChatError('unavailable', message, { cause });
  }

  /** What a socket acknowledgement carries (`retryAfterMs` only when rate limited). */
  toWire(): { code: ErrorCode; message: string; retryAfterMs?: number; details?: FieldIssue[] } {
    return {
      code: this.code,
      message: this.message,
      ...(this.retryAfterMs !== undefined && { retryAfterMs: this.retryAfterMs }),
      ...(this.details && { details: this.details }),
    };
  }
}
