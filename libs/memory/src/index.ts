/**
 * Memory a request's bytes hold outside V8's heap, handed back as soon as
 * nothing will read them (releaseBufferMemory): request bodies and their
 * chunks, answers, pull pages. The lowest lib of td-sync: http, storage and
 * sync use it, and it depends on no other.
 */
export { releaseBufferMemory } from './release-buffer-memory';
