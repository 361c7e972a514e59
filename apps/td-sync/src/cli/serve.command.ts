import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { StorageConnection, waitForStorage } from '@td-sync/storage';
import type { AddressInfo } from 'node:net';
import { ConfigValidationError } from '../config/config-validation-error';
import { unknownSettingWarnings } from '../config/unknown-settings';
import { baseUrlWarning, startupSummary } from '../startup/startup-summary';
import { serverVersion } from '../startup/version';
import type { SyncConfig } from '../config/sync-config';
import type { CliIo } from './command';
import { defineCommand } from './define-command';

export const serveCommand = defineCommand({
  name: 'serve',
  commandLine: 'td-sync serve',
  summary: 'run the server (the default; what `npm start` runs)',
  help: `Runs the sync server with the SYNC_* settings of the environment (see the README). SIGTERM or
SIGINT stop it gracefully: it stops accepting connections, lets requests in flight finish for up to
SYNC_SHUTDOWN_TIMEOUT, closes its databases and exits 0.`,
  run: (_args, io) => serve(io),
});

/**
 * How many connections the kernel may complete and queue for the server to
 * accept (listen(2)'s backlog; Linux caps it at net.core.somaxconn, 4096 by
 * default since 5.4). Node's default is 511: a burst of connects larger than
 * that while the event loop is busy (every td reconnecting after a restart,
 * a load balancer's pool warming up) has the rest of the SYNs dropped, and a
 * client whose SYN is dropped tries again only after 1, 3, 7, 15 s... The Go
 * server listens with somaxconn. Queued connections hold no descriptor of
 * the server's until accepted, and the connection cap applies as they are.
 */
export const LISTEN_BACKLOG = 4096;

/**
 * Starts the server and resolves with the exit code once it has stopped. A
 * configuration error (a value it cannot use, a data path it cannot write)
 * ends the start with one line in the configured log format and exit code 2;
 * any other start-up failure, such as a database that does not answer within
 * SYNC_DATABASE_CONNECT_TIMEOUT (one line per attempt meanwhile), is thrown
 * as "failed to start: ..." (exit code 1).
 */
async function serve(io: CliIo): Promise<number> {
  // Loaded here, not above: the operator's commands never load the HTTP stack.
  // (Relative paths only: the build rewrites @td-sync/... in static imports alone.)
  const [{ createApp }, { SyncConfig }, { storageOptionsFrom }, { PublishedApiDocument }, { ConnectionGovernor }] = await Promise.all([
    import('../create-app'),
    import('../config/sync-config'),
    import('../config/library-options'),
    import('../openapi/published-api-document'),
    import('../http/connection-governor'),
  ]);
  let app: NestFastifyApplication;
  try {
    // Before Nest is built, which holds its log lines until then: a node
    // waiting for its database says so as it waits.
    await waitForStorage(storageOptionsFrom(SyncConfig.fromProcessEnv()), (line) => process.stderr.write(`td-sync: ${line}\n`));
    app = await createApp();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      io.err(startFailureLine(`td-sync: ${error.message}`, error.logFormat));
      return 2;
    }
    throw new Error(`failed to start: ${(error as Error)?.message ?? String(error)}`);
  }
  const config = app.get(SyncConfig);
  const logger = new Logger('td-sync');
  // Requests are guarded by Nest's exception filter; this catches a promise
  // that something forgot to await, logs it and keeps serving.
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error({ err: reason }, `unhandled promise rejection: ${(reason as Error)?.message ?? String(reason)}`);
  });
  const stopped = stopOn(['SIGTERM', 'SIGINT'], app, config, logger);
  const host = config.listen.host ?? '::';
  try {
    try {
      await app.listen({ port: config.listen.port, host, backlog: LISTEN_BACKLOG });
    } catch (error) {
      // A host without IPv6 cannot bind '::'; ":8080" then means every IPv4 interface.
      if (config.listen.host !== undefined || (error as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw error;
      await app.listen({ port: config.listen.port, host: '0.0.0.0', backlog: LISTEN_BACKLOG });
    }
  } catch (error) {
    throw new Error(`failed to start: ${(error as Error)?.message ?? String(error)}`);
  }
  // The bound address, not app.getUrl(), which names [::1] for "every interface".
  const { address, port } = app.getHttpServer().address() as AddressInfo;
  const listeningOn = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  const version = serverVersion();
  // One line with everything an operator checks at start (tests and the benchmark wait for "listening on").
  const connections = ConnectionGovernor.of(app.getHttpServer())?.maxConnections;
  logger.log(startupSummary(config, version, listeningOn, app.get(StorageConnection).gauges(), connections), `td-sync ${version} listening on ${listeningOn}`);
  const warning = baseUrlWarning(config, port);
  if (warning) logger.warn(warning);
  for (const unknown of unknownSettingWarnings(config)) logger.warn(unknown);
  // Built now, once: it costs the start nothing, and no request waits for it later.
  app.get(PublishedApiDocument).buildNow();
  return stopped;
}

/**
 * Graceful shutdown: stop accepting connections, let in-flight requests
 * finish for up to SYNC_SHUTDOWN_TIMEOUT, then (in the storage module's
 * shutdown hooks) checkpoint and close every database; resolves with exit
 * code 0. Requests still running at the deadline have their connections
 * closed; a push is one synchronous transaction, so it has either committed
 * or left nothing.
 */
function stopOn(signals: NodeJS.Signals[], app: NestFastifyApplication, config: SyncConfig, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
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
        resolve(0);
      } catch (error) {
        logger.error(`shutdown failed: ${(error as Error).message}`);
        resolve(1);
      }
    };
    for (const signal of signals) process.on(signal, (s: NodeJS.Signals) => void stop(s));
  });
}

/** The start failure as one line: a JSON log line (pino's shape, level fatal) or, with SYNC_LOG_FORMAT=text, the plain message. */
function startFailureLine(message: string, format: 'json' | 'text'): string {
  if (format === 'text') return message;
  return JSON.stringify({ level: 60, time: new Date().toISOString(), service: 'td-sync', msg: message });
}
