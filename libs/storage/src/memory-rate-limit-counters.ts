import { RateLimitCounters, RateLimitWindow } from './repositories/rate-limit-counters';

/**
 * Counters in this process's memory, for a backend that only one process
 * serves (SQLite). Expired windows are swept once per window length, so
 * memory holds at most the keys active in the last window, however many
 * distinct keys and addresses have ever been seen.
 */
export class MemoryRateLimitCounters extends RateLimitCounters {
  private readonly windows = new Map<string, RateLimitWindow>();
  private nextSweepAt = 0;

  /** Windows currently held (for tests and diagnostics). */
  get size(): number {
    return this.windows.size;
  }

  async hit(key: string, now: number, windowMs: number): Promise<RateLimitWindow> {
    this.sweep(now, windowMs);
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.hits++;
    return { hits: window.hits, endsAt: window.endsAt };
  }

  private sweep(now: number, interval: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + interval;
    for (const [key, window] of this.windows) {
      if (window.endsAt <= now) this.windows.delete(key);
    }
  }
}
