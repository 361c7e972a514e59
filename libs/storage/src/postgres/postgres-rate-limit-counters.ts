import { Logger } from '@nestjs/common';
import { RateLimitCounters, RateLimitWindow } from '../repositories/rate-limit-counters';
import type { PostgresDatabase } from './postgres-database';

/**
 * One statement per hit: opens the key's window or counts in it, atomically
 * on whichever node (the row lock orders concurrent hits of one key).
 */
const HIT = `INSERT INTO rate_limit_windows AS w (key, hits, ends_at) VALUES ($1, 1, $2::bigint + $3::bigint)
  ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN w.ends_at <= $2 THEN 1 ELSE w.hits + 1 END,
    ends_at = CASE WHEN w.ends_at <= $2 THEN $2::bigint + $3::bigint ELSE w.ends_at END
  RETURNING hits, ends_at`;

/**
 * The rate limiter's counters in `rate_limit_windows`, shared by every node:
 * one budget per key however many nodes serve it. The table is UNLOGGED (no
 * WAL; a database crash empties it, which only forgives a minute of
 * requests). Each node deletes ended windows once per window length; deleting
 * what another node already deleted is harmless, and a window that ended is
 * restarted by the upsert anyway, so the sweep only keeps the table small.
 */
export class PostgresRateLimitCounters extends RateLimitCounters {
  private readonly logger = new Logger('RateLimit');
  private nextSweepAt = 0;

  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  async hit(key: string, now: number, windowMs: number): Promise<RateLimitWindow> {
    if (now >= this.nextSweepAt) this.sweep(now, windowMs);
    const { rows } = await this.db.query<{ hits: number; ends_at: string }>({ name: 'rate_limit_hit', text: HIT, values: [key, now, windowMs] });
    return { hits: rows[0].hits, endsAt: Number(rows[0].ends_at) };
  }

  private sweep(now: number, windowMs: number): void {
    this.nextSweepAt = now + windowMs;
    this.db.query({ name: 'rate_limit_sweep', text: 'DELETE FROM rate_limit_windows WHERE ends_at <= $1', values: [now] }).catch((error: Error) => {
      this.logger.warn(`sweeping ended rate-limit windows failed (the next sweep retries): ${error.message}`);
    });
  }
}
