import { Body, Controller, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SignJWT } from 'jose';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Public } from '../auth/public.decorator';
import { userId } from '../common/schemas';
import { AppConfig } from '../config/app-config';

/** How long a demo token lives; the SDK fetches a fresh one before it runs out. */
export const DEMO_TOKEN_TTL_S = 3600;

export class DemoTokenDto extends createZodDto(z.strictObject({ userId })) {}

/**
 * The demo's sign-in: a token for any made-up user id, signed with AUTH_JWT_SECRET exactly
 * as the identity service would. Registered only with DEMO_ENABLED=true (development: it lets
 * anyone act as anyone), and left out of the OpenAPI document.
 */
@Public()
@ApiExcludeController()
@Controller('demo')
export class DemoTokenController {
  private readonly secret: Uint8Array;

  constructor(private readonly config: AppConfig) {
    // DEMO_ENABLED without AUTH_JWT_SECRET is refused by the config schema.
    this.secret = new TextEncoder().encode(config.auth.jwtSecret ?? '');
  }

  @Post('token')
  async token(@Body() { userId }: DemoTokenDto) {
    const exp = Math.floor(Date.now() / 1000) + DEMO_TOKEN_TTL_S;
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setAudience(this.config.auth.audience)
      .setIssuedAt()
      .setExpirationTime(exp);
    if (this.config.auth.issuer) jwt.setIssuer(this.config.auth.issuer);
    return { userId, token: await jwt.sign(this.secret), expiresAt: new Date(exp * 1000) };
  }
}
