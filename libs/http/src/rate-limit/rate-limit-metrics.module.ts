import { Module } from '@nestjs/common';
import { RateLimitMetrics } from './rate-limit-metrics';

/**
 * The rate limiter's metrics, in a static module of their own: RateLimitModule
 * (configured once by the app, with forRoot) and the app's /metrics both
 * import it, and share its one instance.
 */
@Module({ providers: [RateLimitMetrics], exports: [RateLimitMetrics] })
export class RateLimitMetricsModule {}
