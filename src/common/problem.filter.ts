import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '../infra/tokens';
import { problemFor } from './problem';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/**
 * Answers every HTTP error as `application/problem+json` (RFC 9457). Registered globally
 * (APP_FILTER in CommonModule), it also receives what Fastify rejects before a handler runs
 * (broken or poisoned JSON, oversized bodies, unknown routes): Nest routes Fastify's error
 * and not-found handlers through the global filters. Nest does not apply global filters to
 * gateways, which answer errors in their acknowledgements.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { problem, headers, unexpected } = problemFor(exception);

    if (unexpected) {
      this.logger.error(
        { err: exception, reqId: request.id, method: request.method, route: routeOf(request) },
        'request failed with an unexpected error',
      );
    }
    if (reply.sent) return; // a streamed answer already started; nothing safe to add
    reply
      .status(problem.status)
      .headers({ ...headers, 'content-type': PROBLEM_CONTENT_TYPE })
      .send(problem);
  }
}

/** The route template, not the raw URL: query strings may carry cursors or search terms. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions?.url ?? request.url.split('?')[0];
}
