import { Global, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { MetricsService } from './metrics.service';
import { NodeState } from './node-state';

@Global()
@Module({
  controllers: [HealthController],
  providers: [HealthService, MetricsService, NodeState],
  exports: [MetricsService, NodeState],
})
export class HealthModule {}
