import { isArrayBuffer } from 'node:util/types';

/**
 * Hands a large Buffer's memory back at V8's next minor collection instead of
 * its next full one, for a Buffer whose bytes nobody will read again: a
 * request body once its answer is sent, a pull page once copied into its
 * answer, a pull's or push's answer once compressed, PostgreSQL's page chunks
 * once joined, a push layout's slots once its batch is built (any typed
 * array will do).
 *
 * Why: a Buffer's bytes live outside V8's heap, and are freed only when V8
 * collects the small object that owns them. A body that arrives over several
 * event-loop turns, or waits for its group commit, outlives a minor
 * collection or two and is promoted to old space; its bytes then wait for a
 * full collection, which V8 runs only when the old generation or outside
 * memory has grown by tens of MB. Under load those dead bodies were most of
 * the server's resident memory (docs/performance.md, Memory).
 *
 * How: transferring the bytes to a new, young owner (what `postMessage`
 * does with a transfer list) detaches the old one, so the memory now follows
 * the young owner, which nothing references and the next minor collection
 * frees. The old Buffer reads as empty from then on: a mistaken later read
 * finds no bytes, never another request's.
 *
 * Not at once: freeing the bytes before this returns (posting them to a
 * closed MessagePort does) cut push's peak by another 10-20 MB, but with
 * some mixes of frees V8 then ran about six full collections a second under
 * pull load, 15 % more CPU per page (docs/performance.md, Memory, measured
 * and not kept).
 *
 * Only a Buffer that is the whole of its memory is transferred; a view into
 * a larger or shared one (Node's 8 KB pool for small Buffers) is left alone.
 */
export function releaseBufferMemory(buffer: ArrayBufferView): void {
  const memory = buffer.buffer;
  // isArrayBuffer, not instanceof: the memory may come from another realm (a test's, say); a SharedArrayBuffer is never transferred.
  if (!isArrayBuffer(memory) || buffer.byteOffset !== 0 || buffer.byteLength !== memory.byteLength || memory.byteLength < MIN_RELEASED_BYTES) return;
  structuredClone(memory, { transfer: [memory] });
}

/** Below this, a Buffer may share Node's pool, and its memory is not worth the call. */
const MIN_RELEASED_BYTES = 16 * 1024;
