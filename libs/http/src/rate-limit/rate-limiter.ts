import { Inject, Injectable, Logger } from '@nestjs/common';
import { FixedWindowStore } from './fixed-window-store';
import { RateLimitMetrics } from './rate-limit-metrics';
import { RATE_LIMITS, RateLimits } from './rate-limit-options';
import type { RateLimitTier } from './rate-limit.decorator';

/** PROTOCOL.md: fixed one-minute windows. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** One request counted against a tier's budget. */
export interface RateLimitCount {
  limit: number;
  remaining: number;
  /** Seconds until the window ends and the count starts again. */
  resetSeconds: number;
  /** Set when the request is over the limit: the Retry-After the client is told. */
  retryAfterSeconds?: number;
}

/**
 * The rate limiter of PROTOCOL.md: each request counts once against one
 * tier's budget for one tracker (`ip:<client>` or `key:<api key id>`), in
 * the store's fixed windows; refused requests count too, so hammering does not
 * shorten the wait. Called by the app's admission stage before a request's
 * body is read.
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger('RateLimit');

  constructor(
    @Inject(RATE_LIMITS) private readonly limits: RateLimits,
    private readonly store: FixedWindowStore,
    private readonly metrics: RateLimitMetrics,
  ) {}

  /**
   * Counts one request; undefined when the tier's limit is 0 (off). A refusal
   * is logged once at warn, naming the tracker (never a key), and counted in
   * /metrics by tier.
   */
  async count(tier: RateLimitTier, tracker: string): Promise<RateLimitCount | undefined> {
    const limit = this.limits[tier];
    if (!(limit > 0)) return undefined;
    const record = await this.store.increment(`${tier}:${tracker}`, RATE_LIMIT_WINDOW_MS, limit);
    const count: RateLimitCount = { limit, remaining: Math.max(0, limit - record.totalHits), resetSeconds: record.timeToExpire };
    if (!record.isBlocked) return count;
    this.logger.warn({ tier, tracker, limit }, `rate limit hit: ${tier} for ${tracker}`);
    this.metrics.refused.inc({ tier });
    return { ...count, retryAfterSeconds: record.timeToBlockExpire };
  }
}
