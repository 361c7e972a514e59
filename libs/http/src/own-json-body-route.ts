/**
 * Fastify route config of a route that reads its JSON body itself, from the
 * bytes: the app's body parser hands it the body as received (a Buffer),
 * neither decoded nor parsed, nor shape-checked. Push does: it validates and
 * lays out its body in one pass (see parsePushRequest), keeps each payload's
 * spelling, and checks nesting and repeated keys on its own terms.
 */
export const READS_OWN_JSON_BODY = 'readsOwnJsonBody';
