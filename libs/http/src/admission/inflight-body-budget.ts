/**
 * Bounds the bytes of request bodies the server holds at once. A body is
 * admitted only if its size (its Content-Length, or the body limit when it is
 * chunked and its size is unknown) fits in what is left; it holds its share
 * until its response is done, since the parsed body lives as long as the
 * request. Without it, memory grows with the number of concurrent uploads,
 * whoever sends them; with it, a burst beyond the budget is told to come back
 * (503 with Retry-After) and the process stays within its memory limit.
 *
 * The budget is at least one full body, so any single request can always be
 * admitted once the server is idle.
 */
export class InflightBodyBudget {
  private held = 0;

  constructor(readonly capacityBytes: number) {
    if (!(capacityBytes > 0)) throw new RangeError(`an in-flight body budget must be positive, got ${capacityBytes}`);
  }

  /** Bytes currently held by admitted bodies. */
  get bytesInFlight(): number {
    return this.held;
  }

  /**
   * Holds `bytes` and returns what gives them back (safe to call more than
   * once), or undefined when they do not fit beside what is held.
   */
  tryHold(bytes: number): (() => void) | undefined {
    if (this.held + bytes > this.capacityBytes) return undefined;
    this.held += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= bytes;
    };
  }
}
