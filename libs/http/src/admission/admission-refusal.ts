import type { HttpException } from '@nestjs/common';

/**
 * Why a request is refused before its handler runs, if it is: set by the
 * app's admission stage, which runs before the body is read (401, 429, 415,
 * 503), or by its body parser (400 for a body that is not valid JSON, or not
 * valid text; 413). The body of a request refused before it is read is never
 * read (the body parser skips it and Node discards it as it arrives).
 * AdmissionGuard throws the refusal as the first guard, so that the route's
 * own exception filters shape the answer: JSON on the API, an HTML page on
 * the browser pages.
 */
declare module 'fastify' {
  interface FastifyRequest {
    admissionRefusal?: HttpException;
  }
}

export {};
