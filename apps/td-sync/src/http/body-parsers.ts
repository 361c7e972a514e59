import { BadRequestException } from '@nestjs/common';
import { jsonShapeProblem, READS_OWN_JSON_BODY } from '@td-sync/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseQueryString } from 'node:querystring';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The deepest a JSON body may nest, push excepted (it allows what a Go client
 * can decode; see parsePushRequest). Every other body is a flat object.
 */
const MAX_BODY_DEPTH = 64;

function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new BadRequestException('request body is not valid UTF-8');
  }
}

/**
 * The JSON API (`/v1/...`) decodes every body as JSON, whatever its
 * Content-Type: the reference server does, and td releases (and tools such as
 * `curl -d`, which labels its body as a form) are not all consistent about the
 * header, so being strict would only break clients. Form encoding is parsed
 * only for the HTML pages under `/auth/`, whose forms post it. An empty body
 * is no body. A route that reads its own JSON (push, see READS_OWN_JSON_BODY)
 * gets the bytes as received.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, parseJson);
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    if (request.url.startsWith('/v1/')) return parseJson(request, body, done);
    try {
      done(null, { ...parseQueryString(decodeUtf8(body)) });
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

function parseJson(request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: unknown) => void): void {
  if (routeConfig(request)[READS_OWN_JSON_BODY] === true) return done(null, body);
  let parsed: unknown;
  let text: string;
  try {
    text = decodeUtf8(body);
    if (text.trim() === '') return done(null, undefined);
    parsed = JSON.parse(text);
  } catch (error) {
    return done(error instanceof BadRequestException ? error : new BadRequestException('request body is not valid JSON'), undefined);
  }
  // Valid JSON can still nest deep enough to overflow the stack of Nest's
  // validation (a 500), or repeat a key (see jsonShapeProblem).
  const problem = jsonShapeProblem(text, MAX_BODY_DEPTH);
  if (problem) return done(new BadRequestException(`request body: ${problem}`), undefined);
  done(null, parsed);
}

function routeConfig(request: FastifyRequest): Record<string, unknown> {
  return (request.routeOptions.config as unknown as Record<string, unknown> | undefined) ?? {};
}
