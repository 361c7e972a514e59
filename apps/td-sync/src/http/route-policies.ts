import type { INestApplication, Type } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { ROUTE_POLICY, routePolicyOf } from '@td-sync/http';

/**
 * Writes each route's RoutePolicy (from @Public and @RateLimit, on the method
 * or its controller) into the Fastify route config Nest registers the route
 * with, where the admission stage finds it before the body is read; Nest's
 * guards, which see the decorators, run only after. Must run before
 * `app.init()`, which registers the routes. Other route config (@RouteConfig)
 * is kept.
 */
export function declareRoutePolicies(app: INestApplication): void {
  const reflector = app.get(Reflector);
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as Record<string, unknown> | undefined) ?? {};
        const policy = routePolicyOf(reflector, handler as () => unknown, metatype as Type);
        Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, [ROUTE_POLICY]: policy }, handler);
      }
    }
  }
}
