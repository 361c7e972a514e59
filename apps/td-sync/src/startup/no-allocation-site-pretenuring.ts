import { setFlagsFromString } from 'node:v8';

/** The V8 flag this module sets (exported for its spec). */
export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

/**
 * Turns off V8's allocation-site pretenuring for the whole server process
 * (its worker threads too; the checkpoint process is a script of its own,
 * which makes little per request and keeps V8's default).
 *
 * V8 watches what becomes of the objects each object or array literal makes;
 * when nearly all of one literal's objects survive a scavenge, it makes that
 * literal's objects in old space from then on, for the rest of the process's
 * life. That pays for data that lives long. A server's requests live for
 * milliseconds, but while it warms up (code not yet optimised, the first
 * requests slow) they live longer, and whether a literal on the request path
 * crosses V8's line then is chance. When one does, every request's object
 * from it is made in old space, the young objects it points to survive their
 * scavenges through it and are promoted, and only a full collection frees
 * them: 10-12 MB a second of old-space garbage with 32 clients pushing single
 * events, scavenges three times as long, and a peak of 185-192 MB instead of
 * 110-113. In 24 such runs, the 3 that went that way were exactly the 3 where
 * V8 decided (--trace-pretenuring) to pretenure one site with 92 % of its
 * objects found alive in the first second; with the flag, none of 20 did
 * (docs/performance.md, Memory).
 *
 * Set at run time, first thing in main.ts, so that it holds however the
 * server is started (npm start, the image's entrypoint, the td-sync command,
 * the specs' and the bench's spawned servers): Node refuses V8 flags other
 * than a few heap sizes in NODE_OPTIONS. V8 reads this one as it collects
 * the feedback at each scavenge, which the process has not done yet.
 */
export function turnOffAllocationSitePretenuring(): void {
  setFlagsFromString(NO_PRETENURING_FLAG);
}

turnOffAllocationSitePretenuring();
