import { Pool } from 'pg';
import type { PostgresOptions } from '../storage-options';
import { describeDatabase } from './describe-database';

/** Between start-up attempts: quick at first (a database starting beside us), then every few seconds. */
const RETRY_DELAYS_MS = [500, 1000, 2000, 5000];

/**
 * Resolves once a query on `pool` answers; until then retries, calling `log`
 * with one line per failed attempt, for at most `timeoutMs` (the last pause is
 * cut short so the final attempt comes at the deadline), then rejects with
 * the last error. `target` names the database in those lines (never with its
 * password).
 */
export async function waitUntilAnswering(pool: Pool, target: string, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('SELECT 1');
      if (attempt > 1) log(`PostgreSQL at ${target} answers (attempt ${attempt})`);
      return;
    } catch (error) {
      const message = (error as Error).message;
      const remaining = timeoutMs - (Date.now() - started);
      if (remaining <= 0) {
        throw new Error(`PostgreSQL at ${target} did not answer within ${Math.round(timeoutMs / 1000)} s (${attempt} attempts): ${message}`);
      }
      const pause = Math.min(RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)], remaining);
      log(`PostgreSQL at ${target} does not answer (attempt ${attempt}: ${message}); retrying in ${Math.round(pause / 100) / 10} s`);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** waitUntilAnswering on a connection of its own, closed again before it resolves. */
export async function waitForPostgres(options: PostgresOptions, log: (line: string) => void): Promise<void> {
  const pool = new Pool({ connectionString: options.url, max: 1, connectionTimeoutMillis: 10_000, application_name: 'td-sync' });
  pool.on('error', () => undefined);
  try {
    await waitUntilAnswering(pool, describeDatabase(options.url), options.connectTimeoutMs, log);
  } finally {
    await pool.end();
  }
}
