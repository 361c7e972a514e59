import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { Env } from './config/sync-config';
import { SyncConfigModule } from './config/sync-config.module';
import { MetricsService } from './health/metrics.service';
import { PrometheusMetrics } from './health/prometheus-metrics.service';
import { registerBodyParsers } from './http/body-parsers';
import { answerFrameworkError, answerUnparsableRequest } from './http/malformed-requests';
import { requestIdFor } from './http/request-id';
import { registerRequestLifecycle } from './http/request-lifecycle';
import { registerResponseCompression } from './http/response-compression';
import { buildOpenApiDocument } from './openapi/build-openapi-document';
import { PublishedApiDocument } from './openapi/published-api-document';
import { FrameworkQuietLogger } from './startup/framework-quiet-logger';

/** PROTOCOL.md: bodies over 10 MiB are refused with 413. */
export const BODY_LIMIT_BYTES = 10 * 1024 * 1024;

/**
 * Builds the Nest application on Fastify with everything every route shares.
 * main.ts and the end-to-end tests both start the server through here, so the
 * tests exercise exactly what runs in production.
 */
export async function createApp(envOverrides: Env = {}): Promise<NestFastifyApplication> {
  const { module: configModule, config } = await SyncConfigModule.load(envOverrides);

  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    // Keep-alive connections that sit idle must not hold up a shutdown.
    forceCloseConnections: 'idle',
    // Requests that arrive while the server drains get a 503 with the
    // PROTOCOL.md error body from registerRequestLifecycle, not Fastify's own.
    return503OnClosing: false,
    // Requests that never reach a route still get the PROTOCOL.md error body.
    clientErrorHandler: answerUnparsableRequest,
    frameworkErrors: answerFrameworkError,
    // A client that trickles a request (slowloris) is cut off; a 10 MiB push
    // over a slow link still has ample time.
    requestTimeout: 120_000,
    routerOptions: { ignoreTrailingSlash: true },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(configModule), adapter, {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(new FrameworkQuietLogger(app.get(Logger)));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParsers(fastify);
  registerRequestLifecycle(fastify, app.get(MetricsService), app.get(PrometheusMetrics));
  registerResponseCompression(fastify);
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      transform: true,
      exceptionFactory: (errors: ValidationError[]) => new BadRequestException(firstValidationMessage(errors)),
    }),
  );
  await app.init();
  app.get(PublishedApiDocument).buildWith(() => buildOpenApiDocument(app));
  return app;
}

/** One clear sentence for the client: the first constraint that failed. */
function firstValidationMessage(errors: ValidationError[]): string {
  for (const error of errors) {
    const constraint = error.constraints && Object.values(error.constraints)[0];
    if (constraint) return constraint;
    const nested = error.children?.length ? firstValidationMessage(error.children) : undefined;
    if (nested) return nested;
  }
  return 'invalid request body';
}
