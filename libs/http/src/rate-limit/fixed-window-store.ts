import { Inject, Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { Clock } from '../clock';
import { CountedWindow, RATE_LIMIT_COUNTERS, WindowCounters } from './window-counters';

/**
 * The ThrottlerStorage of @nestjs/throttler over fixed one-key windows: each
 * request is one hit on the injected counters (which decide where counts
 * live and open a window with a key's first hit), at the app's Clock's time,
 * so tests move time instead of waiting for a window to pass.
 */
@Injectable()
export class FixedWindowStore implements ThrottlerStorage {
  constructor(
    @Inject(RATE_LIMIT_COUNTERS) private readonly counters: WindowCounters,
    private readonly clock: Clock,
  ) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = this.clock.now().getTime();
    return windowRecord(await this.counters.hit(key, now, ttl), now, limit);
  }
}

/**
 * What the throttler needs of a window: blocked past `limit` hits, with the
 * seconds left in the window (rounded up, at least 1) as the Retry-After.
 */
export function windowRecord(window: CountedWindow, now: number, limit: number): ThrottlerStorageRecord {
  const secondsLeft = Math.max(1, Math.ceil((window.endsAt - now) / 1000));
  const isBlocked = window.hits > limit;
  return { totalHits: window.hits, timeToExpire: secondsLeft, isBlocked, timeToBlockExpire: isBlocked ? secondsLeft : 0 };
}
