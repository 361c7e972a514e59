import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { waitForStorage } from '@td-sync/storage';
import { ConfigValidationError } from './config/config-validation-error';
import { storageOptionsFrom } from './config/library-options';
import { SyncConfig } from './config/sync-config';
import { createApp } from './create-app';
import { PublishedApiDocument } from './openapi/published-api-document';

/**
 * Starts td-sync. A configuration error (a value it cannot use, a data path it
 * cannot write) ends the start with one line in the configured log format and
 * exit code 2; a database that does not answer within
 * SYNC_DATABASE_CONNECT_TIMEOUT (one line per attempt meanwhile) with exit
 * code 1; SIGTERM/SIGINT stop it gracefully (see shutdownOn).
 */
async function main(): Promise<void> {
  let app: NestFastifyApplication;
  try {
    // Before Nest is built, which holds its log lines until then: a node
    // waiting for its database says so as it waits.
    await waitForStorage(storageOptionsFrom(SyncConfig.fromEnv(process.env)), (line) => process.stderr.write(`td-sync: ${line}\n`));
    app = await createApp();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(startFailureLine(`td-sync: ${error.message}`, error.logFormat));
      process.exit(2);
    }
    throw error;
  }
  const config = app.get(SyncConfig);
  const logger = new Logger('td-sync');
  // Requests are guarded by Nest's exception filter; this catches a promise
  // that something forgot to await, logs it and keeps serving.
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error({ err: reason }, `unhandled promise rejection: ${(reason as Error)?.message ?? String(reason)}`);
  });
  shutdownOn(['SIGTERM', 'SIGINT'], app, config, logger);
  const host = config.listen.host ?? '::';
  try {
    await app.listen({ port: config.listen.port, host });
  } catch (error) {
    // A host without IPv6 cannot bind '::'; ":8080" then means every IPv4 interface.
    if (config.listen.host !== undefined || (error as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw error;
    await app.listen({ port: config.listen.port, host: '0.0.0.0' });
  }
  // The bound address, not app.getUrl(), which names [::1] for "every interface".
  const { address, port } = app.getHttpServer().address() as AddressInfo;
  logger.log(`listening on http://${address.includes(':') ? `[${address}]` : address}:${port}`);
  // Built now, once: it costs the start nothing, and no request waits for it later.
  app.get(PublishedApiDocument).prepare();
}

/**
 * Graceful shutdown: stop accepting connections, let in-flight requests
 * finish for up to SYNC_SHUTDOWN_TIMEOUT, then (in the storage module's
 * shutdown hooks) checkpoint and close every database, and exit 0. Requests
 * still running at the deadline have their connections closed; a push is one
 * synchronous transaction, so it has either committed or left nothing.
 */
function shutdownOn(signals: NodeJS.Signals[], app: NestFastifyApplication, config: SyncConfig, logger: Logger): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: draining requests for up to ${config.shutdownTimeoutMs} ms`);
    const server = app.getHttpServer();
    const deadline = setTimeout(() => {
      logger.warn('shutdown timeout reached: closing the remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    deadline.unref();
    try {
      await app.close();
      logger.log('stopped cleanly');
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  for (const signal of signals) process.on(signal, (s: NodeJS.Signals) => void stop(s));
}

/** One line on stderr: a JSON log line (pino's shape, level fatal) or, with SYNC_LOG_FORMAT=text, the plain message. */
function startFailureLine(message: string, format: 'json' | 'text'): string {
  if (format === 'text') return `${message}\n`;
  return `${JSON.stringify({ level: 60, time: new Date().toISOString(), service: 'td-sync', msg: message })}\n`;
}

main().catch((error: unknown) => {
  process.stderr.write(`td-sync: failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
