import { HttpStatus } from '@nestjs/common';
import { BEARER_CHALLENGE, BearerAuthenticator } from '@td-sync/auth';
import { clientAddressKey, InflightBodyBudget, ProtocolException, RateLimiter, ROUTE_POLICY, RoutePolicy } from '@td-sync/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { routeConfigOf } from './route-config';

export interface AdmissionStage {
  authenticator: BearerAuthenticator;
  limiter: RateLimiter;
  budget: InflightBodyBudget;
  /** The most a body may be (PROTOCOL.md: 10 MiB); what a chunked body of unknown size holds of the budget. */
  bodyLimitBytes: number;
}

/** A route that names no policy is authenticated: forgetting @Public() must never open a route. */
const UNDECLARED: RoutePolicy = { authenticated: true, tier: 'other', keyedByAddress: false };

/** Seconds a client refused for want of body budget is told to wait: bodies in flight are done within moments. */
const BUSY_RETRY_AFTER_SECONDS = 1;

/**
 * Everything decided before a request's body is read (PROTOCOL.md, "Before
 * the body"), in a Fastify onRequest hook:
 *
 * 1. the API key, on authenticated routes (401; `request.user` when valid);
 * 2. the rate limit, counted per API key, or per client address (IPv6 by /64)
 *    for the public login routes and for a request without a valid key, so
 *    401s are limited too (429);
 * 3. for a request with a body: a Content-Encoding other than identity (415),
 *    and room for its bytes in the in-flight budget (503 with Retry-After),
 *    held until its response is done.
 *
 * A refused request is answered without its body being read: the refusal is
 * left on the request, the body parser skips the body, and the first global
 * guard throws it, so the route's own filters answer (HTML on the pages).
 * Node discards the unread body as it arrives once the answer is sent, so a
 * client still sending reads its 401 instead of a reset connection. A request
 * for a route there is not reads no body either (body-parsers.ts).
 */
export function registerRequestAdmission(fastify: FastifyInstance, stage: AdmissionStage): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.is404) return;
    request.admissionRefusal = await refusalOf(request, reply, stage);
  });
}

async function refusalOf(request: FastifyRequest, reply: FastifyReply, stage: AdmissionStage): Promise<ProtocolException | undefined> {
  const policy = (routeConfigOf(request)[ROUTE_POLICY] as RoutePolicy | undefined) ?? UNDECLARED;

  let unauthenticated: ProtocolException | undefined;
  if (policy.authenticated) {
    const outcome = await stage.authenticator.authenticate(request.headers.authorization);
    if (outcome.ok) request.user = outcome.caller;
    else unauthenticated = outcome.refusal;
  }

  if (policy.tier !== undefined) {
    const tracker = request.user && !policy.keyedByAddress ? `key:${request.user.apiKeyId}` : `ip:${clientAddressKey(request.ip)}`;
    const count = await stage.limiter.count(policy.tier, tracker);
    if (count) {
      void reply.header('x-ratelimit-limit', count.limit).header('x-ratelimit-remaining', count.remaining).header('x-ratelimit-reset', count.resetSeconds);
      if (count.retryAfterSeconds !== undefined) {
        void reply.header('retry-after', count.retryAfterSeconds);
        return new ProtocolException(
          HttpStatus.TOO_MANY_REQUESTS,
          'rate_limited',
          `rate limit exceeded: ${count.limit} requests per minute (${policy.tier}); retry in ${count.retryAfterSeconds} s`,
        );
      }
    }
  }

  if (unauthenticated) {
    void reply.header('www-authenticate', BEARER_CHALLENGE);
    return unauthenticated;
  }

  const size = declaredBodySize(request, stage.bodyLimitBytes);
  if (size === undefined) return undefined;
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return new ProtocolException(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'unsupported_media_type',
      `request bodies are not decoded: send them without Content-Encoding (got ${JSON.stringify(encoding.slice(0, 40))})`,
    );
  }
  // Over the body limit: the body parser answers 413 without reading it.
  if (size > stage.bodyLimitBytes) return undefined;
  const release = stage.budget.tryHold(size);
  if (!release) {
    void reply.header('retry-after', BUSY_RETRY_AFTER_SECONDS);
    return new ProtocolException(
      HttpStatus.SERVICE_UNAVAILABLE,
      'unavailable',
      `the server is receiving too many request bodies at once: retry in ${BUSY_RETRY_AFTER_SECONDS} s`,
    );
  }
  // 'close' comes once the response is sent or the connection is gone, whichever is first.
  reply.raw.once('close', release);
  return undefined;
}

/**
 * The bytes a request's body will take: its Content-Length, or the body limit
 * for a chunked one; undefined when it has none that would be read (Fastify
 * reads no body for GET and HEAD).
 */
function declaredBodySize(request: FastifyRequest, bodyLimitBytes: number): number | undefined {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) > 0 ? Number(length) : undefined;
  return request.headers['transfer-encoding'] !== undefined ? bodyLimitBytes : undefined;
}
