/** A key's current fixed window, as the counters report it. */
export interface CountedWindow {
  hits: number;
  /** When the window ends (ms since the epoch). */
  endsAt: number;
}

/**
 * Where the rate limiter counts: the app supplies it (storage's
 * RateLimitCounters, which is memory for a single SQLite process and a table
 * shared by every node with PostgreSQL). This lib depends on no other, so it
 * names only the shape it calls.
 */
export interface WindowCounters {
  hit(key: string, now: number, windowMs: number): Promise<CountedWindow>;
}

/** The injection token of the WindowCounters RateLimitModule.forRoot is given. */
export const RATE_LIMIT_COUNTERS = Symbol('RATE_LIMIT_COUNTERS');
