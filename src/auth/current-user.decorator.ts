import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ChatError } from '../common/chat-error';
import './auth.guard'; // the FastifyRequest.auth declaration

/**
 * The caller's user id (the token's `sub`), set by AuthGuard. Always use this, never an id
 * from the body: the actor is whoever signed in.
 */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const userId = ctx.switchToHttp().getRequest<FastifyRequest>().auth?.userId;
  // Only on a @Public() route: a programming error, refused rather than guessed.
  if (!userId) throw ChatError.unauthorized();
  return userId;
});
