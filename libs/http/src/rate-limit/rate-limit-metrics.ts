import { Injectable } from '@nestjs/common';
import { Counter, type Metric } from 'prom-client';
import { RATE_LIMIT_TIERS } from './rate-limit.decorator';

/**
 * The rate limiter's Prometheus metric: requests refused with 429, by tier.
 * It belongs to no registry; the app's /metrics registers `all` (so several
 * apps in one process never share a counter).
 */
@Injectable()
export class RateLimitMetrics {
  readonly refused = new Counter({
    name: 'td_sync_rate_limited_requests_total',
    help: 'Requests refused with 429 rate_limited, by rate-limit tier',
    labelNames: ['tier'],
    registers: [],
  });

  readonly all: Metric[] = [this.refused];

  constructor() {
    // Every tier is there from the start, at 0, so a rate() over it never has a gap.
    for (const tier of RATE_LIMIT_TIERS) this.refused.inc({ tier }, 0);
  }
}
