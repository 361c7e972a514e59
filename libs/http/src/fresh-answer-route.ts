/**
 * Fastify route config of a route whose Buffer answers are made for the one
 * request (a pull page, a push's acks): once compressed, nothing reads them
 * again, so the compression hands their memory back at once
 * (releaseBufferMemory). A route
 * that answers with a Buffer it keeps (the API reference's Swagger UI files,
 * read once and served to every request) must not set it: releasing a kept
 * Buffer would leave it empty for the next request.
 */
export const ANSWERS_WITH_FRESH_BUFFERS = 'answersWithFreshBuffers';
