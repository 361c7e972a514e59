import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { BearerAuthenticator } from '@td-sync/auth';
import { BODY_LIMIT_BYTES, InflightBodyBudget, RateLimiter, classValidatorPackage } from '@td-sync/http';
import { projectDatabaseBudget, readOpenFileLimit } from '@td-sync/storage';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { checkDataPaths } from './config/data-paths';
import { Env } from './config/sync-config';
import { SyncConfigModule } from './config/sync-config.module';
import { MetricsService } from './health/metrics.service';
import { PrometheusMetrics } from './health/prometheus-metrics.service';
import { registerBodyParsers } from './http/body-parsers';
import { lazySchemaCompilers } from './http/lazy-schema-compilers';
import { ConnectionGovernor } from './http/connection-governor';
import { connectionLimitFor } from './http/connection-limit';
import { answerFrameworkError, answerUnparsableRequest } from './http/malformed-requests';
import { registerRequestAdmission } from './http/request-admission';
import { requestIdFor } from './http/request-id';
import { registerRequestLifecycle } from './http/request-lifecycle';
import { registerResponseCompression } from './http/response-compression';
import { declareRoutePolicies } from './http/route-policies';
import { buildOpenApiDocument } from './openapi/build-openapi-document';
import { PublishedApiDocument } from './openapi/published-api-document';
import { FrameworkQuietLogger } from './startup/framework-quiet-logger';

/** How often Node looks for connections past their header or request timeout (its default, 30 s, would let them overstay that long). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * Builds the Nest application on Fastify with everything every route shares.
 * main.ts and the end-to-end tests both start the server through here, so the
 * tests exercise exactly what runs in production.
 */
export async function createApp(envOverrides: Env = {}): Promise<NestFastifyApplication> {
  const { module: configModule, config } = SyncConfigModule.load(envOverrides);
  checkDataPaths(config);

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
    // Timeouts of seconds (README, "Limits and hardening"): a connection that
    // is idle between requests, one that trickles its headers (slowloris) and
    // one whose whole request, body included, has not arrived in time are
    // closed, the last two with a 408.
    keepAliveTimeout: config.keepAliveTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    routerOptions: { ignoreTrailingSlash: true },
    // ajv and fast-json-stringify only if a route ever declares a Fastify schema (none does).
    schemaController: { compilersFactory: lazySchemaCompilers() },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(configModule), adapter, {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(new FrameworkQuietLogger(app.get(Logger)));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  const descriptorLimit = readOpenFileLimit().descriptors;
  const { reserve } = projectDatabaseBudget(descriptorLimit, config.maxOpenProjects);
  const connections = new ConnectionGovernor(config.maxConnections ?? connectionLimitFor(reserve));
  connections.attach(fastify.server);
  registerRequestLifecycle(fastify, app.get(MetricsService), app.get(PrometheusMetrics));
  registerRequestAdmission(fastify, {
    authenticator: app.get(BearerAuthenticator),
    limiter: app.get(RateLimiter),
    budget: app.get(InflightBodyBudget),
    bodyLimitBytes: BODY_LIMIT_BYTES,
  });
  registerBodyParsers(fastify);
  declareRoutePolicies(app);
  registerResponseCompression(fastify);
  app.useGlobalPipes(
    new ValidationPipe({
      // class-validator's own validate, loaded without the package's index (see the library's validators.ts).
      validatorPackage: classValidatorPackage,
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
