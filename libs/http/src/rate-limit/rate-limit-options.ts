import type { RateLimitTier } from './rate-limit.decorator';

/** Requests per one-minute window for each tier; 0 turns a tier off. Supplied by the app from its configuration. */
export type RateLimits = Record<RateLimitTier, number>;

/** The injection token of RateLimits; the app's configuration module provides it to everyone. */
export const RATE_LIMITS = Symbol('RATE_LIMITS');
