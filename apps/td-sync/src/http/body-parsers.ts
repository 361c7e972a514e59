import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseQueryString } from 'node:querystring';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body as received, decoded as UTF-8; set for JSON bodies. The push route reads payloads from it verbatim. */
    rawBody?: string;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new BadRequestException('request body is not valid UTF-8');
  }
}

/**
 * JSON for every content type except HTML forms. The reference server decodes
 * any body as JSON whatever its Content-Type, and td releases are not all
 * consistent about the header, so being strict here would only break clients.
 * The decoded text is kept on the request because push must store each payload
 * exactly as the client spelled it. An empty body is no body.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    try {
      const text = decodeUtf8(body);
      if (text.trim() === '') return done(null, undefined);
      request.rawBody = text;
      done(null, JSON.parse(text));
    } catch (error) {
      done(error instanceof BadRequestException ? error : new BadRequestException('request body is not valid JSON'), undefined);
    }
  });
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer' },
    (_request: FastifyRequest, body: Buffer, done) => {
      try {
        done(null, { ...parseQueryString(decodeUtf8(body)) });
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}
