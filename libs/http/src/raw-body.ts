/**
 * The request body as received, decoded as UTF-8, beside Fastify's parsed
 * `body`. The app's body parser sets it for every JSON body; push reads each
 * payload's spelling from it, since JSON.parse keeps none of it.
 */
declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

export {};
