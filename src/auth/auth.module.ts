import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';

/**
 * JWT verification for HTTP (the global AuthGuard) and for the socket handshake (the
 * gateway imports this module and calls AuthService.verify). Needs AppConfig (global).
 */
@Module({
  providers: [AuthService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService],
})
export class AuthModule {}
