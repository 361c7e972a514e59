import { getSchemaPath, type ResponseObject } from '@nestjs/swagger';
import { errorBody } from '../error-body';
import type { ErrorCode } from '../error-code';
import { ErrorBodyDto } from './error-body.dto';
import { ERROR_STATUSES } from './error-statuses';

/**
 * How a route answers its errors: with the JSON error body (the API), or, on
 * the browser pages under /auth/, with an HTML page for a browser and the JSON
 * error body for any other client (see HtmlErrorPageFilter).
 */
export type ErrorAnswerKind = 'json' | 'page';

/** Codes with what each means on one route; a code with no route-specific text has PROTOCOL.md's. */
export type ErrorCauses = ReadonlyMap<ErrorCode, readonly string[]>;

const PAGE_OR_JSON = 'A browser (Accept: text/html) gets an HTML page saying what went wrong; any other client gets the JSON error body.';

/** Statuses that tell the client when to come back. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/**
 * The OpenAPI responses, by status, for a route's error codes: the ErrorBody
 * schema, a description and an example per code, Retry-After where the
 * server sends it. Several codes of one status (410 expired / already_used)
 * share one response, as HTTP allows only one per status.
 */
export function errorResponses(causes: ErrorCauses, kind: ErrorAnswerKind): Record<number, ResponseObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of causes.keys()) {
    const { status } = ERROR_STATUSES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, ResponseObject> = {};
  for (const [status, codes] of byStatus) responses[status] = errorResponse(codes, causes, kind, status);
  return responses;
}

function errorResponse(codes: ErrorCode[], causes: ErrorCauses, kind: ErrorAnswerKind, status: number): ResponseObject {
  const lines = codes.flatMap((code) => whensOf(code, causes).map((when) => `\`${code}\`: ${when}`));
  const listed = lines.length === 1 ? lines[0] : lines.map((line) => `- ${line}`).join('\n');
  const json = {
    schema: { $ref: getSchemaPath(ErrorBodyDto) },
    examples: Object.fromEntries(codes.map((code) => [code, { summary: whensOf(code, causes).join('; '), value: errorBody(code, whensOf(code, causes)[0]) }])),
  };
  const response: ResponseObject = {
    description: kind === 'page' ? `${PAGE_OR_JSON}\n\n${listed}` : listed,
    content: kind === 'page' ? { 'text/html': { schema: { type: 'string' } }, 'application/json': json } : { 'application/json': json },
  };
  if (RETRY_AFTER_STATUSES.has(status)) {
    response.headers = { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } } };
  }
  return response;
}

function whensOf(code: ErrorCode, causes: ErrorCauses): readonly string[] {
  const specific = causes.get(code);
  return specific && specific.length > 0 ? specific : [ERROR_STATUSES[code].when];
}
