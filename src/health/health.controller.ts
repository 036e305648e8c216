import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { HealthService } from './health.service';
import { MetricsService } from './metrics.service';
import { NodeState } from './node-state';

@Public() // probes and Prometheus scrape without a token
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsService,
    private readonly node: NodeState,
  ) {}

  /** 200 when every dependency answers, 503 naming the ones that do not. */
  @Get('health')
  async all(@Res({ passthrough: true }) reply: FastifyReply) {
    const report = await this.health.check();
    reply.status(report.status === 'ok' ? 200 : 503);
    return { status: report.status, checks: report.checks };
  }

  /** The process is alive (its event loop answers). */
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /** Dependencies up and this node serving; 503 while starting or draining. */
  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const report = await this.health.check();
    const ready = report.serving && this.node.current === 'serving';
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ok' : 'error', node: this.node.current, checks: report.checks };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus() {
    return this.metrics.registry.metrics();
  }
}
