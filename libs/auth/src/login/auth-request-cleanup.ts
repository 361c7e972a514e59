import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Clock } from '@td-sync/http';
import { AuthRequestStore } from './auth-request-store';
import { CLEANUP_INTERVAL_MS } from './login-timing';

export const AUTH_REQUEST_CLEANUP_JOB = 'auth-request-cleanup';

/**
 * Purges expired login requests of both flows (typed codes and emailed
 * challenges) every 5 minutes. A failed run only logs: the next run retries,
 * and nothing may reach the event loop as an unhandled rejection.
 */
@Injectable()
export class AuthRequestCleanup {
  private readonly logger = new Logger('AuthRequestCleanup');
  private running = false;

  constructor(
    private readonly store: AuthRequestStore,
    private readonly clock: Clock,
  ) {}

  @Interval(AUTH_REQUEST_CLEANUP_JOB, CLEANUP_INTERVAL_MS)
  async run(): Promise<void> {
    // A run that outlasts the interval (a locked database) must not pile up behind itself.
    if (this.running) return;
    this.running = true;
    try {
      const purged = await this.store.purgeExpired(this.clock.now());
      if (purged > 0) this.logger.debug(`purged ${purged} expired login request(s)`);
    } catch (error) {
      this.logger.warn(`purging expired login requests failed, retrying in ${CLEANUP_INTERVAL_MS / 60_000} minutes: ${(error as Error)?.message ?? String(error)}`);
    } finally {
      this.running = false;
    }
  }
}
