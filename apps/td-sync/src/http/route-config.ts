import type { FastifyRequest } from 'fastify';

/**
 * The config of the route a request matched, as Nest's `@RouteConfig()` set
 * it: the flags the app's hooks read (READS_OWN_JSON_BODY,
 * COMPRESSED_AT_ANY_SIZE, ANSWERS_WITH_FRESH_BUFFERS) and the admission
 * stage's ROUTE_POLICY. Empty for a request that matched no route.
 */
export function routeConfigOf(request: FastifyRequest): Readonly<Record<string, unknown>> {
  return (request.routeOptions.config as unknown as Record<string, unknown> | undefined) ?? {};
}
