import { METHOD_METADATA } from '@nestjs/common/constants';
import { DECORATORS } from '@nestjs/swagger';
import type { ErrorCode } from '../error-code';
import { ErrorAnswerKind, errorResponses } from './error-responses';

/** A code alone (PROTOCOL.md's wording), or codes with what they mean on this route. */
export type ErrorUse = ErrorCode | Partial<Record<ErrorCode, string>>;

interface DocumentedErrors {
  kind: ErrorAnswerKind;
  causes: Map<ErrorCode, string[]>;
}

/** The errors documented so far on one route handler, from all its decorators and its controller's. */
const DOCUMENTED_ERRORS = Symbol('td-sync:openapi-errors');

/**
 * Documents the errors a route (or every route of a controller) can answer,
 * in the PROTOCOL.md error body:
 *
 *     @ApiErrors('bad_request', { not_found: 'no user has this user_id', conflict: 'the user already is a member' })
 *
 * Uses accumulate: a controller's, a route's own and those of decorators such
 * as @RequireRole() end up in one response per status, whatever their order.
 * (Swagger's own @ApiResponse would let a route's 404 hide its controller's.)
 * What every route can answer (500, 503, and 413/415 with a body) is added
 * when the document is built, not here; so is the ErrorBody schema the
 * responses refer to (once, rather than scanned again for every route).
 */
export function ApiErrors(...uses: ErrorUse[]): MethodDecorator & ClassDecorator {
  return documentErrors('json', uses);
}

/** @ApiErrors for the browser pages, which answer a browser with an HTML page and other clients with the JSON body. */
export function ApiPageErrors(...uses: ErrorUse[]): MethodDecorator & ClassDecorator {
  return documentErrors('page', uses);
}

function documentErrors(kind: ErrorAnswerKind, uses: ErrorUse[]): MethodDecorator & ClassDecorator {
  const decorate = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const handlers = descriptor ? [descriptor.value as object] : routeHandlersOf(target as { prototype: object });
    for (const handler of handlers) record(handler, kind, uses);
  };
  return decorate as MethodDecorator & ClassDecorator;
}

/** The methods of a controller class that serve a route (a class decorator runs after its methods' decorators). */
function routeHandlersOf(controller: { prototype: object }): object[] {
  const prototype = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype)
    .map((name) => prototype[name])
    .filter((member): member is object => typeof member === 'function' && Reflect.getMetadata(METHOD_METADATA, member) !== undefined);
}

function record(handler: object, kind: ErrorAnswerKind, uses: ErrorUse[]): void {
  const documented: DocumentedErrors = Reflect.getMetadata(DOCUMENTED_ERRORS, handler) ?? { kind, causes: new Map() };
  if (documented.kind !== kind) throw new Error('a route answers its errors either as JSON or as pages, not both');
  for (const use of uses) {
    const entries: Array<[ErrorCode, string | undefined]> = typeof use === 'string' ? [[use, undefined]] : (Object.entries(use) as Array<[ErrorCode, string]>);
    for (const [code, when] of entries) {
      const whens = documented.causes.get(code) ?? [];
      if (when !== undefined && !whens.includes(when)) whens.push(when);
      documented.causes.set(code, whens);
    }
  }
  Reflect.defineMetadata(DOCUMENTED_ERRORS, documented, handler);
  // Rewrites this route's error responses from everything recorded so far, so the last decorator to run leaves them complete.
  const responses: Record<string, unknown> = Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) ?? {};
  Reflect.defineMetadata(DECORATORS.API_RESPONSE, { ...responses, ...errorResponses(documented.causes, kind) }, handler);
}
