import { Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { Clock } from '../clock';

interface Window {
  hits: number;
  /** Clock time at which this window ends and the count starts again. */
  endsAt: number;
}

/**
 * In-memory fixed-window counters for @nestjs/throttler. A window opens with a
 * bucket's first request and lasts `ttl`; every request in it counts, refused
 * ones included, so hammering does not shorten the wait. Expired buckets are
 * swept once per window length, so memory holds at most the buckets active in
 * the last window, however many distinct keys and IPs have ever been seen.
 * Times come from the app's injectable Clock, never from timers, so tests
 * move time instead of waiting for a window to pass.
 */
@Injectable()
export class FixedWindowStore implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  constructor(private readonly clock: Clock) {}

  /** Buckets currently held (for tests and diagnostics). */
  get size(): number {
    return this.windows.size;
  }

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = this.clock.now().getTime();
    this.sweep(now, ttl);
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + ttl };
      this.windows.set(key, window);
    }
    window.hits++;
    const secondsLeft = Math.max(1, Math.ceil((window.endsAt - now) / 1000));
    const isBlocked = window.hits > limit;
    return { totalHits: window.hits, timeToExpire: secondsLeft, isBlocked, timeToBlockExpire: isBlocked ? secondsLeft : 0 };
  }

  private sweep(now: number, interval: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + interval;
    for (const [key, window] of this.windows) {
      if (window.endsAt <= now) this.windows.delete(key);
    }
  }
}
