import { BadRequestException } from '@nestjs/common';
import { CHECKS_OWN_JSON_SHAPE, jsonShapeProblem } from '@td-sync/http';
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
 * only for the HTML pages under `/auth/`, whose forms post it. The decoded
 * text is kept on the request (`request.rawBody`, declared in libs/http)
 * because push must store each payload exactly as the client spelled it. An
 * empty body is no body.
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
  let parsed: unknown;
  let text: string;
  try {
    text = decodeUtf8(body);
    if (text.trim() === '') return done(null, undefined);
    request.rawBody = text;
    parsed = JSON.parse(text);
  } catch (error) {
    return done(error instanceof BadRequestException ? error : new BadRequestException('request body is not valid JSON'), undefined);
  }
  // Valid JSON can still nest deep enough to overflow the stack of Nest's
  // validation (a 500), or repeat a key (see jsonShapeProblem). Routes that
  // scan their text anyway check it themselves.
  if ((request.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[CHECKS_OWN_JSON_SHAPE] !== true) {
    const problem = jsonShapeProblem(text, MAX_BODY_DEPTH);
    if (problem) return done(new BadRequestException(`request body: ${problem}`), undefined);
  }
  done(null, parsed);
}
