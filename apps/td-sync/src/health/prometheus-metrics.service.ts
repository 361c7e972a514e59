import { Injectable } from '@nestjs/common';
import { InflightBodyBudget, RateLimitMetrics } from '@td-sync/http';
import { StorageMetrics } from '@td-sync/storage';
import { SyncMetrics } from '@td-sync/sync';
import { Gauge, Histogram, Registry } from 'prom-client';
import { serverVersion } from '../startup/version';
import { processMetrics } from './process-metrics';

/** Label of requests that matched no route (404s of unknown paths): never the raw URL, whose values are unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Seconds; from a cached small read (about 1 ms) to a 10 MiB push on a busy disk. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * GET /metrics in the Prometheus text format: this app's registry, with the
 * request histogram the HTTP layer feeds (observeResponse), the metrics each
 * library owns (storage, replication, rate limits), and the process's
 * default metrics. /metricz (MetricsService) keeps its PROTOCOL.md shape apart.
 */
@Injectable()
export class PrometheusMetrics {
  private readonly registry = new Registry();
  readonly contentType = this.registry.contentType;

  private readonly requestDuration = new Histogram({
    name: 'td_sync_http_request_duration_seconds',
    help: 'Time from the request arriving to its answer sent, by method, route pattern and status class',
    labelNames: ['method', 'route', 'status_class'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  constructor(storage: StorageMetrics, sync: SyncMetrics, rateLimits: RateLimitMetrics, bodies: InflightBodyBudget) {
    for (const metric of [...storage.all, ...sync.all, ...rateLimits.all]) this.registry.registerMetric(metric);
    new Gauge({
      name: 'td_sync_request_body_bytes_in_flight',
      help: `Bytes of request bodies received or being received and not yet answered (by Content-Length); a body that does not fit beside them within ${bodies.capacityBytes} (SYNC_MAX_INFLIGHT_BODY_BYTES) is refused 503`,
      registers: [this.registry],
      collect() {
        this.set(bodies.bytesInFlight);
      },
    });
    new Gauge({ name: 'td_sync_build_info', help: 'Always 1; the version label is the running td-sync', labelNames: ['version'], registers: [this.registry] }).set(
      { version: serverVersion() },
      1,
    );
  }

  /**
   * Called for every response (request-lifecycle.ts). `route` is the route's
   * pattern (`/v1/projects/:id/sync/push`), undefined when no route matched.
   */
  observeResponse(method: string, route: string | undefined, status: number, seconds: number): void {
    this.requestDuration.observe({ method, route: route ?? UNMATCHED_ROUTE, status_class: STATUS_CLASSES[Math.floor(status / 100)] ?? 'other' }, seconds);
  }

  async render(): Promise<string> {
    const [process, app] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${process}\n${app}`;
  }
}
