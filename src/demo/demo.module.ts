import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { DemoTokenController } from './demo-token.controller';

/** The demo's dev sign-in, only with DEMO_ENABLED=true; its static files: demo-static.ts. */
@Module({})
export class DemoModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: DemoModule, controllers: config.demo.enabled ? [DemoTokenController] : [] };
  }
}
