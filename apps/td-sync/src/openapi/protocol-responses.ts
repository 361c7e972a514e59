import type { OpenAPIObject, OperationObject, PathItemObject, ResponseObject } from '@nestjs/swagger';
import { errorResponses, type ErrorCode } from '@td-sync/http';

const REQUEST_ID_HEADER = 'X-Request-ID';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * What the HTTP layer answers on any route, whatever its controller says, so
 * no controller has to repeat it: X-Request-ID on every response; 503 (the
 * database does not answer, bodies in flight over the bound, or shutting
 * down) everywhere; 500 on the JSON routes (the browser pages answer a fault
 * with a page saying so); 413 and 415 wherever a body is read. A status the
 * route documents itself (the health probe's own 503) is left as it is.
 */
export function addProtocolResponses(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.headers = {
    ...document.components.headers,
    [REQUEST_ID_HEADER]: {
      description: 'The request id (32 lower-case hex), also in the server log line of this request.',
      schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    },
  };
  for (const path of Object.values(document.paths) as PathItemObject[]) {
    for (const method of METHODS) {
      const operation = path[method];
      if (operation) completeOperation(operation);
    }
  }
  return document;
}

function completeOperation(operation: OperationObject): void {
  const page = isPage(operation);
  const codes: ErrorCode[] = ['unavailable'];
  if (!page) codes.push('internal_error');
  if (operation.requestBody) codes.push('payload_too_large', 'unsupported_media_type');
  const added = errorResponses(new Map(codes.map((code) => [code, []])), page ? 'page' : 'json');
  // The draining server's 503 is JSON on every route.
  added[503] = errorResponses(new Map([['unavailable', []]]), 'json')[503];
  for (const [status, response] of Object.entries(added)) operation.responses[status] ??= response;
  for (const response of Object.values(operation.responses) as ResponseObject[]) {
    response.headers = { [REQUEST_ID_HEADER]: { $ref: `#/components/headers/${REQUEST_ID_HEADER}` }, ...response.headers };
  }
}

/** A browser page (its controller documents @ApiPageErrors): it answers refusals with HTML as well as JSON. */
function isPage(operation: OperationObject): boolean {
  return Object.entries(operation.responses).some(([status, response]) => status.startsWith('4') && 'text/html' in ((response as ResponseObject).content ?? {}));
}
