import type { Params } from 'nestjs-pino';
import { SyncConfig } from './config/sync-config';
import { serializeError } from './logged-error';

/**
 * pino through nestjs-pino: JSON lines by default, pino-pretty with
 * SYNC_LOG_FORMAT=text, ISO timestamps.
 *
 * pino-http's middleware is not mounted (`forRoutes: []`): the request
 * lifecycle hook writes the one line per request, with the request id, for
 * every request including those that never reach Nest's middleware, and error
 * logs name their request id themselves. A per-request child logger and its
 * async-context plumbing cost about a tenth of a small push for nothing we use.
 * Nothing secret is ever passed to the logger, so there is no redaction pass
 * to pay for on every line either (the reliability specs scan the output);
 * errors, which the code does not choose the fields of, are logged without
 * the values of failed queries (serializeError).
 */
export function loggerParams(config: SyncConfig): Params {
  return {
    forRoutes: [],
    pinoHttp: {
      level: config.logLevel,
      base: { service: 'td-sync' },
      serializers: { err: serializeError },
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      transport:
        config.logFormat === 'text'
          ? { target: 'pino-pretty', options: { singleLine: true, colorize: false, translateTime: 'SYS:standard', ignore: 'pid,hostname,service' } }
          : undefined,
    },
  };
}
