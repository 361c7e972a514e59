import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { addProtocolResponses } from './protocol-responses';

const html = { 'text/html': { schema: { type: 'string' as const } } };

function documentWith(operations: Record<string, OperationObject>): OpenAPIObject {
  const paths: OpenAPIObject['paths'] = {};
  for (const [path, operation] of Object.entries(operations)) paths[path] = { post: operation };
  return { openapi: '3.0.0', info: { title: 't', version: '1' }, paths };
}

function responses(document: OpenAPIObject, path: string): Record<string, ResponseObject> {
  return document.paths[path].post!.responses as Record<string, ResponseObject>;
}

describe('addProtocolResponses', () => {
  const document = addProtocolResponses(
    documentWith({
      '/json': { responses: { 200: { description: 'ok' } } },
      '/json-body': { requestBody: { content: { 'application/json': { schema: { type: 'object' } } } }, responses: { 201: { description: 'made' } } },
      '/page': {
        requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } } },
        responses: { 200: { description: 'page', content: html }, 429: { description: 'limited', content: { ...html, 'application/json': {} } } },
      },
      '/probe': { responses: { 200: { description: 'up' }, 503: { description: 'down: the probe body' } } },
    }),
  );

  it('adds 500 and 503 to a JSON route, 413 and 415 where a body is read', () => {
    expect(Object.keys(responses(document, '/json')).sort()).toEqual(['200', '500', '503']);
    expect(Object.keys(responses(document, '/json-body')).sort()).toEqual(['201', '413', '415', '500', '503']);
    expect(responses(document, '/json')[500].description).toBe('`internal_error`: anything unexpected; logged with the request id (X-Request-ID)');
  });

  it('adds no 500 to a browser page (its faults are answered with a page), and its 413 is a page or JSON', () => {
    const page = responses(document, '/page');
    expect(Object.keys(page).sort()).toEqual(['200', '413', '415', '429', '503']);
    expect(Object.keys(page[413].content!)).toEqual(['text/html', 'application/json']);
    // A draining server answers every route with the JSON 503.
    expect(Object.keys(page[503].content!)).toEqual(['application/json']);
  });

  it("keeps a route's own answer for a status", () => {
    expect(responses(document, '/probe')[503].description).toBe('down: the probe body');
  });

  it('documents X-Request-ID on every response, once, as a shared header', () => {
    expect(document.components?.headers?.['X-Request-ID']).toMatchObject({ schema: { pattern: '^[0-9a-f]{32}$' } });
    for (const path of ['/json', '/json-body', '/page', '/probe']) {
      for (const response of Object.values(responses(document, path))) {
        expect(response.headers?.['X-Request-ID']).toEqual({ $ref: '#/components/headers/X-Request-ID' });
      }
    }
    expect(Object.keys(responses(document, '/json')[503].headers!)).toEqual(['X-Request-ID', 'Retry-After']);
  });
});
