/**
 * Fastify route config of a route that checks the shape of its JSON text
 * itself (nesting depth, repeated keys), so the app's body parser need not
 * scan that text a second time. Push does: it scans its body anyway to find
 * each payload's spelling (see findRawEventSpans).
 */
export const CHECKS_OWN_JSON_SHAPE = 'checksOwnJsonShape';
