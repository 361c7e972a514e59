/** The PROTOCOL.md error body: the nested object for the reference shape, the top level for the td client. */
export interface ErrorBody {
  error: { code: string; message: string };
  code: string;
  message: string;
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message }, code, message };
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'not_found',
  409: 'conflict',
  410: 'expired',
  413: 'payload_too_large',
  415: 'bad_request',
  429: 'rate_limited',
};

/** The PROTOCOL.md code for a status when the thrower named none. */
export function defaultCodeFor(status: number): string {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
}
