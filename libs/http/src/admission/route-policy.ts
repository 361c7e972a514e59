import type { Type } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from '../public.decorator';
import { RATE_LIMIT_TIER, RateLimitTier } from '../rate-limit/rate-limit.decorator';

/**
 * What must be settled about a request before its body is read: whether the
 * route needs an API key, and which rate-limit budget it draws from. Derived
 * from the route's decorators (@Public, @RateLimit) once, at start, and kept
 * in the Fastify route's config under ROUTE_POLICY, where a Fastify hook that
 * runs before the body finds it.
 */
export interface RoutePolicy {
  /** False for @Public() routes: health, metrics, the login flows and their pages. */
  authenticated: boolean;
  /** The rate-limit tier; none for public routes without @RateLimit (health, metrics), which are never limited. */
  tier?: RateLimitTier;
  /** Counted per client address even when the caller is known (the public login tiers). */
  keyedByAddress: boolean;
}

/** The key of a RoutePolicy in a Fastify route's config. */
export const ROUTE_POLICY = 'td-sync:route-policy';

/** The tiers counted per client address: their routes are public, so there is no key to count by. */
const ADDRESS_KEYED_TIERS: ReadonlySet<RateLimitTier> = new Set<RateLimitTier>(['auth', 'authPoll']);

/**
 * The policy of one controller method, as its decorators and its
 * controller's say (the method's win): authenticated unless @Public();
 * drawing from its declared tier, or from `other` when authenticated and
 * undeclared.
 */
export function routePolicyOf(reflector: Reflector, handler: (...args: never[]) => unknown, controller: Type): RoutePolicy {
  const targets = [handler, controller];
  const authenticated = reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) !== true;
  const tier = reflector.getAllAndOverride<RateLimitTier | undefined>(RATE_LIMIT_TIER, targets) ?? (authenticated ? 'other' : undefined);
  return { authenticated, tier, keyedByAddress: tier !== undefined && ADDRESS_KEYED_TIERS.has(tier) };
}
