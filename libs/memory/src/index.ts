/**
 * Memory a request's bytes hold outside V8's heap, handed back once nothing
 * will read them (releaseBufferMemory): request bodies, answers, pull pages
 * and their chunks. The lowest lib of td-sync: storage, sync and the app use
 * it, and it depends on no other.
 */
export { releaseBufferMemory } from './release-buffer-memory';
