import { Clock } from '@td-sync/http';
import { AuthRequestCleanup } from './auth-request-cleanup';
import type { AuthRequestStore } from './auth-request-store';
import { CLEANUP_INTERVAL_MS } from './login-timing';

/**
 * When the purge runs. What it purges is the device-login e2e spec's
 * business, against real databases; here the store only records when it
 * was asked, so the schedule can be driven with Jest's fake timers.
 */
describe('AuthRequestCleanup schedule', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function cleanupWith(purgeExpired: (now: Date) => Promise<number>) {
    return new AuthRequestCleanup({ purgeExpired } as unknown as AuthRequestStore, new Clock());
  }

  it('purges every 5 minutes from bootstrap, and not before', async () => {
    const purges: Date[] = [];
    const cleanup = cleanupWith(async (now) => (purges.push(now), 0));

    await jest.advanceTimersByTimeAsync(2 * CLEANUP_INTERVAL_MS);
    expect(purges).toHaveLength(0);

    cleanup.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(CLEANUP_INTERVAL_MS - 1);
    expect(purges).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(purges).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(2 * CLEANUP_INTERVAL_MS);
    expect(purges).toHaveLength(3);
    cleanup.onApplicationShutdown();
  });

  it('stops at shutdown', async () => {
    let purges = 0;
    const cleanup = cleanupWith(async () => (purges++, 0));
    cleanup.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(CLEANUP_INTERVAL_MS);
    expect(purges).toBe(1);

    cleanup.onApplicationShutdown();
    expect(cleanup.timer).toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(3 * CLEANUP_INTERVAL_MS);
    expect(purges).toBe(1);
  });

  it('starts one timer however often bootstrap is called, and never holds the process open', () => {
    const cleanup = cleanupWith(async () => 0);
    cleanup.onApplicationBootstrap();
    cleanup.onApplicationBootstrap();
    expect(jest.getTimerCount()).toBe(1);
    expect(cleanup.timer?.hasRef()).toBe(false);
    cleanup.onApplicationShutdown();
  });

  it('skips a tick while the previous purge is still running, and logs a failure without rejecting', async () => {
    const finishers: Array<(purged: number) => void> = [];
    let calls = 0;
    const cleanup = cleanupWith(() => {
      calls++;
      if (calls === 3) return Promise.reject(new Error('database is locked'));
      return new Promise<number>((finish) => finishers.push(finish));
    });
    const warn = jest.spyOn((cleanup as unknown as { logger: { warn: (message: string) => void } }).logger, 'warn').mockImplementation(() => undefined);
    cleanup.onApplicationBootstrap();

    await jest.advanceTimersByTimeAsync(3 * CLEANUP_INTERVAL_MS);
    expect(calls).toBe(1); // the first purge has not finished: the next two ticks pass it by

    finishers[0](2);
    await jest.advanceTimersByTimeAsync(CLEANUP_INTERVAL_MS);
    expect(calls).toBe(2);
    finishers[1](0);
    await jest.advanceTimersByTimeAsync(CLEANUP_INTERVAL_MS);
    expect(calls).toBe(3);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('database is locked'));
    await jest.advanceTimersByTimeAsync(CLEANUP_INTERVAL_MS);
    expect(calls).toBe(4);
    cleanup.onApplicationShutdown();
  });
});
