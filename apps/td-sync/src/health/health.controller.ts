import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_TAGS, Public } from '@td-sync/http';
import type { FastifyReply } from 'fastify';
import { MetricsResponseDto } from './metrics-response.dto';
import { MetricsService, MetricsSnapshot } from './metrics.service';
import { StorageHealth } from './storage.health';

/** Liveness/readiness probe and counters; public and never rate limited. */
@Public()
@ApiTags(API_TAGS.health.name)
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly storage: StorageHealth,
    private readonly metrics: MetricsService,
  ) {}

  @Get('healthz')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness and readiness', description: 'ok while the server database answers a query (the Kubernetes probe and Docker healthcheck).' })
  async healthz(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.storage.check()]);
    } catch (error) {
      // Terminus reports "down" as a 503 exception; its body is the probe's
      // answer, not an API error, so it bypasses the error filter.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  @Get('metricz')
  @ApiOperation({ summary: 'Counters' })
  @ApiOkResponse({ type: MetricsResponseDto })
  metricz(): MetricsSnapshot {
    return this.metrics.snapshot();
  }
}
