import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { InflightBodyBudgetModule, RateLimitMetricsModule } from '@td-sync/http';
import { StorageModule } from '@td-sync/storage';
import { SyncModule } from '@td-sync/sync';
import { HealthController } from './health.controller';
import { MetricsService } from './metrics.service';
import { PrometheusMetrics } from './prometheus-metrics.service';
import { PrometheusController } from './prometheus.controller';
import { StorageHealth } from './storage.health';

/** /healthz, /metricz and /metrics; RateLimitMetricsModule, StorageModule and SyncModule give the metrics they own, InflightBodyBudgetModule the bytes of bodies in flight. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), StorageModule, SyncModule, RateLimitMetricsModule, InflightBodyBudgetModule],
  controllers: [HealthController, PrometheusController],
  providers: [MetricsService, StorageHealth, PrometheusMetrics],
  exports: [MetricsService, PrometheusMetrics],
})
export class HealthModule {}
