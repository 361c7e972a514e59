import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IS_PUBLIC, ProtocolException } from '@td-sync/http';
import { ApiKeyService } from './api-key.service';

/**
 * One message per thing the caller can fix. A revoked key reads like an
 * unknown one, so a message never confirms that a guessed key exists; only the
 * holder of a once-valid key can see "expired", and they know it existed.
 */
export const BEARER_REFUSALS = {
  missing: 'missing API key: send it as "Authorization: Bearer <key>" (run `td auth login` to get one)',
  scheme: 'unsupported Authorization scheme: send the API key as "Authorization: Bearer <key>"',
  invalid: 'API key not recognised (unknown or revoked): run `td auth login` to get a new one',
  expired: 'API key has expired: run `td auth login` to get a new one',
  disabled: "this account is disabled: ask the server's operator to enable it",
} as const;

type Refusal = keyof typeof BEARER_REFUSALS;

const REFUSAL_BY_REASON: Record<'unknown' | 'revoked' | 'expired' | 'disabled', Refusal> = {
  unknown: 'invalid',
  revoked: 'invalid',
  expired: 'expired',
  disabled: 'disabled',
};

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
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const refuse = (refusal: Refusal): ProtocolException => {
      // RFC 6750: a 401 names the scheme the client should use.
      void http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="td-sync"');
      return new ProtocolException(HttpStatus.UNAUTHORIZED, 'unauthorized', BEARER_REFUSALS[refusal]);
    };

    const header = request.headers.authorization?.trim() ?? '';
    if (header === '') throw refuse('missing');
    const [scheme, ...rest] = header.split(/\s+/);
    if (scheme.toLowerCase() !== 'bearer') throw refuse('scheme');
    if (rest.length === 0) throw refuse('missing');
    if (rest.length > 1) throw refuse('invalid');

    const result = await this.apiKeys.check(rest[0]);
    if (!result.ok) throw refuse(REFUSAL_BY_REASON[result.reason]);
    request.user = result.caller;
    return true;
  }
}
