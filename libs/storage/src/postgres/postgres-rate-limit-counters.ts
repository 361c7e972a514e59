import { Logger } from '@nestjs/common';
import { RateLimitCounters, RateLimitWindow } from '../repositories/rate-limit-counters';
import { BinaryArrayBuilder } from './binary-array-builder';
import type { PostgresDatabase } from './postgres-database';

/**
 * Counts `$2[i]` hits for key `$1[i]` (whose window lasts `$3[i]` ms) at time
 * `$4`, every key in one statement: a key's window is opened, or counted in,
 * or restarted once it has ended, atomically on whichever node (the row lock
 * orders concurrent hits of one key). Keys come sorted, so two statements
 * lock the rows they share in the same order and cannot deadlock.
 */
const HITS = `INSERT INTO rate_limit_windows AS w (key, hits, ends_at)
  SELECT h.key, h.hits, $4::bigint + h.window_ms FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS h(key, hits, window_ms)
  ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN w.ends_at <= $4 THEN EXCLUDED.hits ELSE w.hits + EXCLUDED.hits END,
    ends_at = CASE WHEN w.ends_at <= $4 THEN EXCLUDED.ends_at ELSE w.ends_at END
  RETURNING key, hits, ends_at`;

/** The most hits one statement counts; more wait for the next. */
const MAX_HITS_PER_STATEMENT = 256;

/** A hit waiting on this node for its statement. */
interface PendingHit {
  key: string;
  now: number;
  windowMs: number;
  resolve: (window: RateLimitWindow) => void;
  reject: (error: unknown) => void;
}

/**
 * The rate limiter's counters in `rate_limit_windows`, shared by every node:
 * one budget per key however many nodes serve it. The table is UNLOGGED (no
 * WAL; a database crash empties it, which only forgives a minute of
 * requests). Each node deletes ended windows once per window length; deleting
 * what another node already deleted is harmless, and a window that ended is
 * restarted by the upsert anyway, so the sweep only keeps the table small.
 *
 * Every request counts a hit before it is served, so a node keeps one
 * counting statement in flight: hits that arrive meanwhile wait here and go
 * together as the next one (a key hit k times counts k at once, and its hits
 * are told the counts in the order they arrived). A hit is still counted in
 * the shared table before its request goes on, but under load one round trip
 * serves several requests. A statement counts its hits at the latest of
 * their times: a hit that arrived a few ms before its key's window ended may
 * count in the next window instead.
 */
export class PostgresRateLimitCounters extends RateLimitCounters {
  private readonly logger = new Logger('RateLimit');
  private nextSweepAt = 0;
  private readonly waiting: PendingHit[] = [];
  private counting = false;

  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  hit(key: string, now: number, windowMs: number): Promise<RateLimitWindow> {
    if (now >= this.nextSweepAt) this.sweep(now, windowMs);
    return new Promise<RateLimitWindow>((resolve, reject) => {
      this.waiting.push({ key, now, windowMs, resolve, reject });
      if (!this.counting) this.countWaiting();
    });
  }

  private countWaiting(): void {
    if (this.waiting.length === 0) {
      this.counting = false;
      return;
    }
    this.counting = true;
    const hits = this.waiting.splice(0, MAX_HITS_PER_STATEMENT);
    void this.count(hits).finally(() => this.countWaiting());
  }

  /** Counts `hits` in one statement and settles each; never rejects. */
  private async count(hits: PendingHit[]): Promise<void> {
    const byKey = new Map<string, PendingHit[]>();
    let now = hits[0].now;
    for (const hit of hits) {
      const ofKey = byKey.get(hit.key);
      if (ofKey) ofKey.push(hit);
      else byKey.set(hit.key, [hit]);
      now = Math.max(now, hit.now);
    }
    const keys = [...byKey.keys()].sort();
    const keyArray = BinaryArrayBuilder.text(keys.length * 48);
    const counts = BinaryArrayBuilder.int8(keys.length);
    const windows = BinaryArrayBuilder.int8(keys.length);
    for (const key of keys) {
      const ofKey = byKey.get(key) as PendingHit[];
      keyArray.addText(key);
      counts.addInt8(ofKey.length);
      windows.addInt8(ofKey[0].windowMs);
    }
    let rows: { key: string; hits: number; ends_at: string }[];
    try {
      ({ rows } = await this.db.query<{ key: string; hits: number; ends_at: string }>({
        name: 'rate_limit_hits',
        text: HITS,
        values: [keyArray.finish(), counts.finish(), windows.finish(), now],
      }));
    } catch (error) {
      for (const hit of hits) hit.reject(error);
      return;
    }
    for (const row of rows) {
      const ofKey = byKey.get(row.key) as PendingHit[];
      const endsAt = Number(row.ends_at);
      // The key's count before this statement, then one more for each of its hits, in arrival order.
      const before = row.hits - ofKey.length;
      ofKey.forEach((hit, i) => hit.resolve({ hits: before + i + 1, endsAt }));
      byKey.delete(row.key);
    }
    for (const unanswered of byKey.values()) {
      for (const hit of unanswered) hit.reject(new Error(`rate_limit_hits returned no row for key ${hit.key}`));
    }
  }

  private sweep(now: number, windowMs: number): void {
    this.nextSweepAt = now + windowMs;
    this.db.query({ name: 'rate_limit_sweep', text: 'DELETE FROM rate_limit_windows WHERE ends_at <= $1', values: [now] }).catch((error: Error) => {
      this.logger.warn(`sweeping ended rate-limit windows failed (the next sweep retries): ${error.message}`);
    });
  }
}
