import type { Params } from 'nestjs-pino';
import { SyncConfig } from './config/sync-config';

/**
 * pino through nestjs-pino: JSON lines by default, pino-pretty with
 * SYNC_LOG_FORMAT=text. pino-http's own per-request line is off: the request
 * lifecycle hook writes one line per request with exactly the fields operators
 * need, including requests that never reach Nest's middleware.
 */
export function loggerParams(config: SyncConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      autoLogging: false,
      quietReqLogger: true,
      genReqId: (req) => (req as { id?: string }).id ?? '',
      customAttributeKeys: { reqId: 'request_id' },
      base: { service: 'td-sync' },
      redact: { paths: ['req.headers.authorization', 'api_key', 'device_code'], censor: '[redacted]' },
      transport:
        config.logFormat === 'text'
          ? { target: 'pino-pretty', options: { singleLine: true, colorize: false, translateTime: 'SYS:standard', ignore: 'pid,hostname,service' } }
          : undefined,
    },
  };
}
