import { ANSWERS_WITH_FRESH_BUFFERS, COMPRESSED_AT_ANY_SIZE } from '@td-sync/http';
import { releaseBufferMemory } from '@td-sync/memory';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { constants, gzip, gzipSync } from 'node:zlib';
import { acceptsGzip } from './accepts-gzip';
import { routeConfigOf } from './route-config';

/**
 * zlib level 1. On a 1000-event pull page (1.1 MB of JSON) it costs 4.1 ms of
 * CPU for 7.1 times fewer bytes; level 6 (zlib's default) costs 15 ms for
 * 8.2 times, level 9 21 ms for 8.3 times (docs/performance.md).
 */
export const GZIP_LEVEL = constants.Z_BEST_SPEED;

/** Answers from this size on are compressed on any route ("over a few KB"); smaller ones only where the route asks. */
export const MIN_COMPRESSED_BYTES = 4096;

/**
 * Answers from this size on are compressed on libuv's thread pool, so the
 * event loop serves other requests meanwhile and a large pull page's
 * compression runs on the second core; smaller ones are compressed in place,
 * which costs less than the hand-off (64 KiB take about 0.25 ms).
 */
export const OFF_LOOP_BYTES = 64 * 1024;

/** The bounds of offLoopChunkBytes: zlib's default chunk, and what one 1000-event page compresses into with room to spare. */
const MIN_CHUNK_BYTES = 16 * 1024;
const MAX_CHUNK_BYTES = 256 * 1024;

/**
 * The output chunk of a compression on the thread pool, for an answer of
 * `answerBytes`: a quarter of it, from 16 KiB to 256 KiB. Each chunk is one
 * round trip between the pool and the event loop, and an answer compressed
 * into several is then copied into one Buffer; JSON compresses four to eight
 * times at level 1, so this is one chunk and no copy for a 1000-event page
 * (1.1 MB into about 160 KB). A one-chunk answer is a view of its chunk,
 * held until written: sized to the answer, a small one to a slow client
 * holds a small chunk. (A fixed 128 KiB made a page two chunks and a copy:
 * with this, pull's CPU per page 1–8 % less and its peak 2–4 MB lower in
 * alternating runs; docs/performance.md.)
 */
export function offLoopChunkBytes(answerBytes: number): number {
  return Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, Math.ceil(answerBytes / 4)));
}

/** JSON, HTML and text (the Prometheus exposition too): everything td-sync answers with a body. */
const COMPRESSIBLE_TYPE = /^\s*(text\/|application\/(json|[^;]*\+json)\b)/i;

type Payload = string | Buffer;

/**
 * Content-Encoding: gzip on answers the client accepts it for (PROTOCOL.md,
 * Compression): every pull page, and any other answer of MIN_COMPRESSED_BYTES
 * or more. td releases ask for gzip through Go's HTTP client, which decodes it
 * transparently, so a pull page reaches them in a seventh of the bytes.
 *
 * An answer that could be compressed carries `Vary: Accept-Encoding`
 * whether or not this request accepted gzip, so that a cache between client
 * and server keeps the two versions apart. A Fastify onSend hook sees every
 * answer, errors included, as the string or Buffer about to be written;
 * Fastify sets Content-Length from what the hook returns.
 */
export function registerResponseCompression(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload?: unknown) => void) => {
    if (!shouldCompress(request, reply, payload)) return done(null, payload);
    addVary(reply);
    if (!acceptsGzip(request.headers['accept-encoding'])) return done(null, payload);
    void reply.header('content-encoding', 'gzip');
    // A pull page (a MB for 1000 events) or a push's acks are not read again once compressed; a kept Buffer (a Swagger UI file) is.
    const fresh = Buffer.isBuffer(payload) && routeConfigOf(request)[ANSWERS_WITH_FRESH_BUFFERS] === true;
    if (payload.length < OFF_LOOP_BYTES) {
      const compressed = gzipSync(payload, { level: GZIP_LEVEL });
      if (fresh) releaseBufferMemory(payload);
      return done(null, compressed);
    }
    gzip(payload, { level: GZIP_LEVEL, chunkSize: offLoopChunkBytes(payload.length) }, (error, compressed) => {
      if (!error && fresh) releaseBufferMemory(payload);
      done(error, compressed);
    });
  });
}

function shouldCompress(request: FastifyRequest, reply: FastifyReply, payload: unknown): payload is Payload {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return false; // a stream, or no body
  if (payload.length === 0 || reply.hasHeader('content-encoding')) return false;
  // A pull's page at any size; its error answers, like all others, by size.
  const anySize = reply.statusCode < 300 && routeConfigOf(request)[COMPRESSED_AT_ANY_SIZE] === true;
  // A string's UTF-8 size is at least its length; Buffer.byteLength only for those it could matter for.
  if (!anySize && payload.length < MIN_COMPRESSED_BYTES && (typeof payload !== 'string' || Buffer.byteLength(payload) < MIN_COMPRESSED_BYTES)) {
    return false;
  }
  const type = reply.getHeader('content-type');
  return typeof type === 'string' && COMPRESSIBLE_TYPE.test(type);
}

function addVary(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  if (vary === undefined) {
    void reply.header('vary', 'Accept-Encoding');
    return;
  }
  const value = Array.isArray(vary) ? vary.join(', ') : String(vary);
  if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(value)) void reply.header('vary', `${value}, Accept-Encoding`);
}
