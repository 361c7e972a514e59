import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { API_TAGS, Public } from '@td-sync/http';
import type { FastifyReply } from 'fastify';
import { PrometheusMetrics } from './prometheus-metrics.service';

/**
 * GET /metrics for Prometheus. Public like /healthz and never rate limited
 * (no tier): a scraper has no key. Operators keep it private at their proxy
 * (README, "Metrics").
 */
@Public()
@ApiTags(API_TAGS.health.name)
@Controller('metrics')
export class PrometheusController {
  constructor(private readonly prometheus: PrometheusMetrics) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics', description: 'The Prometheus text format (version 0.0.4): requests, replication, storage, rate limits and the process. Keep it private at the proxy.' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } })
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.prometheus.contentType);
    return this.prometheus.render();
  }
}
