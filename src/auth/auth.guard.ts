import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ChatError } from '../common/chat-error';
import { AuthService, VerifiedToken } from './auth.service';
import { IS_PUBLIC } from './public.decorator';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by AuthGuard on every non-public route; read it through @CurrentUser(). */
    auth?: VerifiedToken;
  }
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Global guard (APP_GUARD in AuthModule): every HTTP route needs a valid bearer token unless
 * it is @Public(). Sockets are not checked here: the gateway verifies the token once at the
 * handshake with AuthService and cuts the socket when it expires.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw ChatError.unauthorized();
    request.auth = await this.auth.verify(token);
    return true;
  }
}
