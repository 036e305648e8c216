import { HttpException } from '@nestjs/common';
import { ZodSerializationException, ZodValidationException } from 'nestjs-zod';
import { ChatError, ErrorCode, FieldIssue, fieldIssues, statusOf } from './chat-error';

/** An RFC 9457 problem document as the contract spells it (CONTRACT.md, Errors). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldIssue[];
}

export interface ProblemAnswer {
  problem: Problem;
  headers: Record<string, string>;
  /** Not a client's fault: the caller logs it with its stack. */
  unexpected: boolean;
}

const titles: Record<ErrorCode, string> = {
  validation_failed: 'Validation failed',
  unauthorized: 'Unauthorized',
  not_found: 'Not found',
  forbidden: 'Forbidden',
  conflict: 'Conflict',
  payload_too_large: 'Payload too large',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
};

const GENERIC_DETAIL = 'an unexpected error occurred';

/** Every problem `type` is a stable URI per code, so clients can switch on either. */
export const problemType = (code: ErrorCode) => `https://parley.dev/problems/${code}`;

/**
 * Maps anything thrown while serving a request to the problem to answer. Pure, so the
 * socket edge can reuse the same mapping. Only our own ChatError messages and framework 4xx
 * messages reach the client; anything else answers a generic 500.
 */
export function problemFor(exception: unknown): ProblemAnswer {
  if (exception instanceof ChatError) return fromChatError(exception);
  // Before HttpException: nestjs-zod's exceptions extend BadRequest/InternalServerError.
  if (exception instanceof ZodValidationException) {
    const zod = exception.getZodError() as { issues?: Parameters<typeof fieldIssues>[0] };
    return answer('validation_failed', 400, 'request validation failed', {
      errors: zod?.issues ? fieldIssues(zod.issues) : undefined,
    });
  }
  if (exception instanceof ZodSerializationException) return unexpectedError();
  if (exception instanceof HttpException)
    return fromStatus(exception.getStatus(), exception.message);
  // Fastify's own errors (FST_ERR_CTP_*: broken or poisoned JSON, body too large, media
  // type). Nest usually wraps them in HttpException first; this covers the paths it does not.
  if (isFastifyClientError(exception)) return fromStatus(exception.statusCode, exception.message);
  return unexpectedError();
}

function fromChatError(err: ChatError): ProblemAnswer {
  if (err.code === 'internal') return unexpectedError();
  const headers: Record<string, string> = {};
  if (err.code === 'rate_limited' && err.retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.ceil(err.retryAfterMs / 1000));
  }
  return answer(err.code, statusOf(err.code), err.message, { errors: err.details, headers });
}

/** HTTP statuses from the framework: 4xx keep their status (415 stays 415) with our code. */
function fromStatus(status: number, message: string): ProblemAnswer {
  if (status >= 500) {
    return status === 503 ? answer('unavailable', 503, 'service unavailable') : unexpectedError();
  }
  return answer(codeForStatus(status), status, message);
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 429:
      return 'rate_limited';
    default:
      return 'validation_failed'; // 400, 415 and the other request-shape 4xx
  }
}

function unexpectedError(): ProblemAnswer {
  return { ...answer('internal', 500, GENERIC_DETAIL), unexpected: true };
}

function answer(
  code: ErrorCode,
  status: number,
  detail: string,
  extra: { errors?: FieldIssue[]; headers?: Record<string, string> } = {},
): ProblemAnswer {
  const headers = { ...extra.headers };
  // RFC 6750: a 401 names the scheme the client should use.
  if (code === 'unauthorized') headers['www-authenticate'] = 'Bearer realm="parley"';
  const problem: Problem = { type: problemType(code), title: titles[code], status, detail, code };
  if (extra.errors?.length) problem.errors = extra.errors;
  return { problem, headers, unexpected: false };
}

function isFastifyClientError(err: unknown): err is Error & { statusCode: number } {
  if (!(err instanceof Error) || err.name !== 'FastifyError') return false;
  const status = (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}
