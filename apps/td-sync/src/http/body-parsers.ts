import { BadRequestException, HttpException } from '@nestjs/common';
import { BODY_LIMIT_BYTES, findUnstorableText, jsonShapeProblem, READS_OWN_JSON_BODY } from '@td-sync/http';
import { releaseBufferMemory } from '@td-sync/memory';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { readRequestBody } from './read-request-body';
import { routeConfigOf } from './route-config';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The deepest a JSON body may nest, push excepted (it allows what a Go client
 * can decode; see parsePushRequest). Every other body is a flat object.
 */
const MAX_BODY_DEPTH = 64;

type Done = (error: Error | null, body?: unknown) => void;

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
 * gets the bytes as received: it stores each payload exactly as the client
 * spelled it and checks shape and text itself, in one pass.
 *
 * A body is read only if the request was admitted (see request-admission.ts)
 * and names a route: the body of a refused request, or of one for a route
 * there is not, is never read; Node discards it as it arrives once the answer
 * is sent, so the client still reads that answer.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request: FastifyRequest, payload: IncomingMessage, done: Done) => {
    readBody(request, payload, done, parseJson);
  });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', (request: FastifyRequest, payload: IncomingMessage, done: Done) => {
    readBody(request, payload, done, request.url.startsWith('/v1/') ? parseJson : parseForm);
  });
  // A body kept as bytes (push's) is dead once its answer is sent: its memory
  // goes back at the next minor collection (see releaseBufferMemory).
  fastify.addHook('onResponse', (request: FastifyRequest, _reply, done) => {
    if (Buffer.isBuffer(request.body)) releaseBufferMemory(request.body);
    done();
  });
}

/**
 * Reads and parses an admitted request's body. A body that cannot be read
 * or parsed (413, 400) refuses the request the way the admission stage does,
 * through AdmissionGuard, so that the route's filters answer: the browser
 * pages with a page, like every other refusal of theirs.
 */
function readBody(request: FastifyRequest, payload: IncomingMessage, done: Done, parse: (request: FastifyRequest, body: Buffer) => unknown): void {
  if (request.admissionRefusal !== undefined || request.is404) return done(null, undefined);
  const refuse = (error: unknown) => {
    request.admissionRefusal = error instanceof HttpException ? error : new BadRequestException('the request body could not be read');
    done(null, undefined);
  };
  const length = request.headers['content-length'];
  readRequestBody(payload, length === undefined ? undefined : Number(length), BODY_LIMIT_BYTES).then((body) => {
    let parsed: unknown;
    try {
      parsed = parse(request, body);
    } catch (error) {
      return refuse(error);
    }
    done(null, parsed);
  }, refuse);
}

function parseForm(_request: FastifyRequest, body: Buffer): unknown {
  const form = { ...parseQueryString(decodeUtf8(body)) };
  refuseUnstorableText(form);
  return form;
}

function parseJson(request: FastifyRequest, body: Buffer): unknown {
  if (routeConfigOf(request)[READS_OWN_JSON_BODY] === true) return body;
  const text = decodeUtf8(body);
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestException('request body is not valid JSON');
  }
  // Valid JSON can still nest deep enough to overflow the stack of Nest's
  // validation (a 500), repeat a key (see jsonShapeProblem), or spell text
  // that cannot be stored.
  const problem = jsonShapeProblem(text, MAX_BODY_DEPTH);
  if (problem) throw new BadRequestException(`request body: ${problem}`);
  refuseUnstorableText(parsed);
  return parsed;
}

/** PROTOCOL.md, Text fields: NUL or a lone surrogate in any of them is a 400. */
function refuseUnstorableText(body: unknown): void {
  const field = findUnstorableText(body);
  if (field) throw new BadRequestException(`${field} contains a NUL character or an unpaired surrogate`);
}
