// errorBody, and the type of `request.user`, where the Bearer guard leaves the caller.
import { errorBody } from '@td-sync/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { MetricsService } from '../health/metrics.service';
import { PrometheusMetrics } from '../health/prometheus-metrics.service';

/**
 * Fastify hooks that see every request, including those that never reach a
 * controller (unknown routes, oversized bodies, guard refusals): the
 * X-Request-ID header, the response counters (/metricz and /metrics) and one
 * log line per request.
 */
export function registerRequestLifecycle(fastify: FastifyInstance, metrics: MetricsService, prometheus: PrometheusMetrics): void {
  // A draining server (SIGTERM) finishes the requests it has started and takes
  // on no new ones, even those that still arrive on an open connection: they
  // are answered 503 before anything runs, so none is applied without its
  // answer reaching the client. (Fastify's own 503 for these has a body of
  // its own shape; see return503OnClosing in createApp.)
  let draining = false;
  fastify.addHook('preClose', (done) => {
    draining = true;
    done();
  });

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done) => {
    void reply.header('x-request-id', request.id);
    if (!draining) return done();
    void reply
      .status(503)
      .header('connection', 'close')
      .header('retry-after', 1)
      .header('content-type', 'application/json; charset=utf-8')
      .send(errorBody('unavailable', 'the server is shutting down: retry in a moment'));
  });

  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    const status = reply.statusCode;
    metrics.recordResponse(status);
    prometheus.observeResponse(request.method, request.routeOptions.url, status, reply.elapsedTime / 1000);
    const params = request.params as { id?: unknown } | undefined;
    const line = {
      request_id: request.id,
      method: request.method,
      path: request.url.split('?', 1)[0],
      status,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      user_id: request.user?.id,
      project_id: typeof params?.id === 'string' ? params.id : undefined,
    };
    const log: Pino = PinoLogger.root;
    if (status >= 500) log.error(line, 'request completed');
    else log.info(line, 'request completed');
    done();
  });
}
