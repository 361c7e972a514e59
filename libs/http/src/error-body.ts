import { HttpException } from '@nestjs/common';
import type { ErrorCode } from './error-code';

/** The PROTOCOL.md error body: the nested object for the reference shape, the top level for the td client. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
  code: ErrorCode;
  message: string;
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message }, code, message };
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'not_found',
  409: 'conflict',
  410: 'expired',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

/** The PROTOCOL.md code for a status when the thrower named none. */
export function defaultCodeFor(status: number): ErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
}

/** What an error response says: its status and the two fields of its body. */
export interface ErrorDescription {
  status: number;
  code: ErrorCode;
  message: string;
}

const INTERNAL: ErrorDescription = { status: 500, code: 'internal_error', message: 'internal server error' };

/**
 * The answer to any failure, shared by the JSON filter and the HTML pages'
 * filter. An HttpException keeps its status; its response's `code` (a
 * ProtocolException's, or an object thrown as `{ code, message }`) is kept,
 * otherwise the status names it. Anything else is a bug or a fault: a generic
 * 500, since its message may hold SQL or file paths. A 5xx other than 503 is
 * generic too, for the same reason.
 */
export function describeException(exception: unknown): ErrorDescription {
  if (!(exception instanceof HttpException)) return INTERNAL;
  const status = exception.getStatus();
  if (status >= 500 && status !== 503) return { ...INTERNAL, status };
  const response = exception.getResponse();
  let code = defaultCodeFor(status);
  let message = exception.message;
  if (typeof response === 'object' && response !== null) {
    const body = response as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string') code = body.code as ErrorCode;
    if (typeof body.message === 'string') message = body.message;
    else if (Array.isArray(body.message)) message = body.message.join('; ');
  } else if (typeof response === 'string') {
    message = response;
  }
  return { status, code, message };
}
