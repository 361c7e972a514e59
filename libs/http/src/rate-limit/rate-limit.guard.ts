import { ExecutionContext, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerRequest } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '../authenticated-user';
import { ProtocolException } from '../protocol.exception';
import { IS_PUBLIC } from '../public.decorator';
import { RATE_LIMIT_TIER, RateLimitTier } from './rate-limit.decorator';
import { RateLimitMetrics } from './rate-limit-metrics';

/** Client IP for the public login routes, API key id for everything authenticated. */
export const IP_KEYED_TIERS: ReadonlySet<string> = new Set<RateLimitTier>(['auth', 'authPoll']);

/**
 * The throttler guard of DESIGN.md. Runs after the Bearer guard (the app
 * registers it after that one), so it can key authenticated routes by the API
 * key id the Bearer guard resolved. Each route draws from exactly one named throttler,
 * its tier; a tier whose limit is 0 is off. Over the limit it answers
 * 429 rate_limited with a plain Retry-After, the header td clients read.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override logger = new Logger('RateLimit');

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly metrics: RateLimitMetrics,
  ) {
    super(options, storage, reflector);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration } = props;
    const tier = throttler.name;
    if (tier === undefined || tier !== this.tierOf(context) || limit <= 0) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const tracker = IP_KEYED_TIERS.has(tier) ? `ip:${request.ip}` : `key:${request.user?.apiKeyId ?? `ip:${request.ip}`}`;
    const record = await this.storageService.increment(`${tier}:${tracker}`, ttl, limit, blockDuration, tier);
    void reply.header('X-RateLimit-Limit', limit);
    void reply.header('X-RateLimit-Remaining', Math.max(0, limit - record.totalHits));
    void reply.header('X-RateLimit-Reset', record.timeToExpire);
    if (!record.isBlocked) return true;
    void reply.header('Retry-After', record.timeToBlockExpire);
    this.logger.warn({ tier, tracker, limit }, `rate limit hit: ${tier} for ${tracker}`);
    this.metrics.refused.inc({ tier });
    throw new ProtocolException(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate_limited',
      `rate limit exceeded: ${limit} requests per minute (${tier}); retry in ${record.timeToBlockExpire} s`,
    );
  }

  /** The route's declared tier; `other` for authenticated routes without one; none for other public routes. */
  private tierOf(context: ExecutionContext): RateLimitTier | undefined {
    const targets = [context.getHandler(), context.getClass()];
    const declared = this.reflector.getAllAndOverride<RateLimitTier>(RATE_LIMIT_TIER, targets);
    if (declared) return declared;
    return this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ? undefined : 'other';
  }
}
