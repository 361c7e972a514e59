/** One key's current fixed window. */
export interface RateLimitWindow {
  /** Hits counted in the window, the one just counted included. */
  hits: number;
  /** When the window ends (ms since the epoch, on the caller's clock) and the count starts again. */
  endsAt: number;
}

/**
 * The rate limiter's fixed-window counters (PROTOCOL.md, Rate limits). A
 * window opens with a key's first hit and lasts `windowMs`; every hit in it
 * counts, refused ones included, so hammering does not shorten the wait.
 * Times come from the caller (the app's Clock), so tests move time instead of
 * waiting. The backend decides where counts live: with SQLite one process
 * serves everything and they stay in its memory; with PostgreSQL every node
 * counts in one shared table, so a client gets one budget however many nodes
 * it spreads its requests over.
 */
export abstract class RateLimitCounters {
  abstract hit(key: string, now: number, windowMs: number): Promise<RateLimitWindow>;
}
