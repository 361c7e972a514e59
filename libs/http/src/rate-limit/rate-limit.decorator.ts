import { SetMetadata } from '@nestjs/common';

/**
 * The rate-limit tiers of PROTOCOL.md. `auth` and `authPoll` are counted per
 * client IP (their routes are public), the others per API key id.
 */
export type RateLimitTier = 'auth' | 'authPoll' | 'push' | 'pull' | 'other';

export const RATE_LIMIT_TIERS: readonly RateLimitTier[] = ['auth', 'authPoll', 'push', 'pull', 'other'];

export const RATE_LIMIT_TIER = 'td-sync:rate-limit-tier';

/**
 * Declares which rate-limit budget a route (or every route of a controller)
 * draws from. Authenticated routes without it draw from `other`; public routes
 * without it (health, metrics) are never limited.
 */
export const RateLimit = (tier: RateLimitTier): MethodDecorator & ClassDecorator => SetMetadata(RATE_LIMIT_TIER, tier);
