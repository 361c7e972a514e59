import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeyService } from './api-key.service';
import { IS_PUBLIC } from './public.decorator';

const REFUSALS = {
  missing: 'missing Authorization header: run `td auth login` and send the key as "Authorization: Bearer <key>"',
  scheme: 'Authorization header must use the Bearer scheme: "Authorization: Bearer <key>"',
  unknown: 'API key not recognised: run `td auth login` to get a new one',
  revoked: 'API key has been revoked: run `td auth login` to get a new one',
  expired: 'API key has expired: run `td auth login` to get a new one',
} as const;

/**
 * Applied to every route (AuthModule registers it globally); `@Public()` opts
 * out. Resolves `Authorization: Bearer <key>` to the caller and leaves it on
 * the request for @CurrentUser(), the rate limiter and the role guard.
 */
@Injectable()
export class BearerGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    if (!header || header.trim() === '') throw refuse('missing');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw refuse('scheme');
    const result = await this.apiKeys.check(match[1]);
    if (!result.ok) throw refuse(result.reason);
    request.user = { id: result.user.id, email: result.user.email, apiKeyId: result.apiKey.id };
    return true;
  }
}

function refuse(reason: keyof typeof REFUSALS): UnauthorizedException {
  return new UnauthorizedException({ code: 'unauthorized', message: REFUSALS[reason] });
}
