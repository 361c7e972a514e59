import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '@td-sync/http';
import { AuthRequestStore } from './auth-request-store';
import { CLEANUP_INTERVAL_MS } from './login-timing';

/**
 * Purges expired login requests of both flows (typed codes and emailed
 * challenges) every 5 minutes, from the application's start to its
 * shutdown. A failed run only logs: the next run retries, and nothing may
 * reach the event loop as an unhandled rejection.
 *
 * A plain timer rather than @nestjs/schedule's @Interval: this is the
 * server's one periodic job, and that module (with cron and luxon) kept
 * 0.95 MB of V8 heap live for it (docs/performance.md, Memory).
 */
@Injectable()
export class AuthRequestCleanup implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuthRequestCleanup');
  private running = false;
  private interval: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: AuthRequestStore,
    private readonly clock: Clock,
  ) {}

  /** The live timer while the application runs, undefined before and after (specs read its period). */
  get timer(): NodeJS.Timeout | undefined {
    return this.interval;
  }

  onApplicationBootstrap(): void {
    // unref: a pending purge is no reason to keep a process alive that has nothing else to do.
    this.interval ??= setInterval(() => void this.run(), CLEANUP_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.interval);
    this.interval = undefined;
  }

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
