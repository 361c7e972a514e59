/**
 * How many large pushes are past their body at once: a few each for the
 * scan thread, the event loop and (with PostgreSQL) the database to work on,
 * so none of them waits for the line.
 */
export const LARGE_PUSHES_AT_ONCE = 6;

/**
 * Bounds how many large pushes (bodies of `minBytes` or more; SyncModule
 * passes OFF_LOOP_SCAN_BYTES, the bodies the scan thread takes, up to 1000
 * events each) are validated, stored and answered at once; the others wait
 * in line, in arrival order, holding nothing but their body's bytes.
 *
 * Why: from its scan to its answer a 1000-event push is a few MB of objects
 * (its layout, its events and their strings). Without a bound every push
 * was scanned and parsed as its body arrived, and all of them then waited
 * together for their commits, long enough for V8 to promote what they held
 * to old space, which only a full collection empties: memory grew with the
 * number of clients pushing at once. With 32 of them (push-32) the peak was
 * 221–258 MB, and 337–344 MB in PostgreSQL mode; with six at a time 189–207
 * and 295–302 MB, and the same throughput (three at a time cost 4 % of it,
 * one 12 %, leaving the scan thread or the event loop idle;
 * docs/performance.md, Memory).
 *
 * The line starts once a body is read, so a slow upload holds no one's
 * turn. Small pushes never wait: each is cheap to hold, and concurrent ones
 * committing together is what makes them fast.
 */
export class LargePushGate {
  private running = 0;
  private readonly line: Array<() => void> = [];

  constructor(
    readonly capacity: number,
    readonly minBytes: number,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`a large push gate needs a positive whole capacity, got ${capacity}`);
  }

  /** Large pushes read and waiting for their turn. */
  get waiting(): number {
    return this.line.length;
  }

  /** Runs `work` for a push with this raw body: at once for a small body, in its turn for a large one. */
  run<T>(body: unknown, work: () => Promise<T>): Promise<T> {
    return Buffer.isBuffer(body) && body.length >= this.minBytes ? this.inTurn(work) : work();
  }

  private async inTurn<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.capacity) this.running++;
    else await new Promise<void>((resolve) => this.line.push(resolve));
    try {
      return await work();
    } finally {
      // The turn passes straight to the next in line, so a push arriving now cannot overtake it.
      const next = this.line.shift();
      if (next) next();
      else this.running--;
    }
  }
}
