import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { ZodSerializerInterceptor, ZodValidationPipe } from 'nestjs-zod';
import { ProblemFilter } from './problem.filter';

/**
 * The HTTP edge every controller shares: zod validation of bodies, queries and params typed
 * with a createZodDto class (others pass through untouched, e.g. @CurrentUser()), response
 * shaping for @ZodResponse/@ZodSerializerDto routes, and problem+json errors.
 */
@Module({
  providers: [
    { provide: APP_PIPE, useClass: ZodValidationPipe },
    { provide: APP_INTERCEPTOR, useClass: ZodSerializerInterceptor },
    { provide: APP_FILTER, useClass: ProblemFilter },
  ],
})
export class CommonModule {}
