import type { ProtocolException } from '../protocol.exception';

/**
 * Set by the app's admission stage, which runs before a request's body is
 * read: why the request is refused (401, 429, 415, 503), if it is. The body
 * of a refused request is never read (the app's body parser skips it and Node
 * discards it as it arrives), and AdmissionGuard throws the refusal as the
 * route's first guard, so the route's own exception filters shape the answer
 * (JSON on the API, an HTML page on the browser pages).
 */
declare module 'fastify' {
  interface FastifyRequest {
    admissionRefusal?: ProtocolException;
  }
}

export {};
