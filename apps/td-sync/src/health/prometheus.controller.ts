import { Controller, Get, Res } from '@nestjs/common';
import { Public } from '@td-sync/http';
import type { FastifyReply } from 'fastify';
import { PrometheusMetrics } from './prometheus-metrics.service';

/**
 * GET /metrics for Prometheus. Public like /healthz and never rate limited
 * (no tier): a scraper has no key. Operators keep it private at their proxy
 * (README, "Metrics").
 */
@Public()
@Controller('metrics')
export class PrometheusController {
  constructor(private readonly prometheus: PrometheusMetrics) {}

  @Get()
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.prometheus.contentType);
    return this.prometheus.render();
  }
}
