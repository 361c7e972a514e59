import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const REQUEST_ID = /^[0-9a-f]{32}$/;

/**
 * Every request gets a 32-hex id (PROTOCOL.md), returned in X-Request-ID and
 * stamped on its log lines. A well-formed id from a proxy in front is kept so a
 * request can be followed across both logs; anything else is replaced, so a
 * client cannot inject text into logs or headers.
 */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && REQUEST_ID.test(incoming)) return incoming;
  return randomUUID().replace(/-/g, '');
}
