/**
 * Fastify route config of a route whose answers are gzip-compressed at any
 * size when the client accepts it, not only past the app's size threshold.
 * Pull's are (PROTOCOL.md, Compression): they are what a client downloads.
 */
export const COMPRESSED_AT_ANY_SIZE = 'compressedAtAnySize';
