import { Logger } from '@nestjs/common';
import { Pool, PoolClient, QueryConfig, QueryResultRow } from 'pg';
import type { PostgresOptions } from '../storage-options';
import { describeDatabase } from './describe-database';
import { migratePostgres } from './postgres-migrator';

/** Between start-up attempts: quick at first (a database starting beside us), then every few seconds. */
const RETRY_DELAYS_MS = [500, 1000, 2000, 5000];

/** A request waiting for a free connection longer than this fails rather than hanging. */
const CONNECTION_TIMEOUT_MS = 10_000;

/** The health probe's query must answer within this, or the probe reports the database down. */
const PING_TIMEOUT_MS = 3_000;

/**
 * The PostgreSQL backend's one connection pool, shared by its repositories.
 * `open` waits for the database (retrying for a bounded time, one log line
 * per attempt), migrates it under an advisory lock, and only then hands the
 * pool out. Every query of the backend goes through `query` or
 * `transaction`; statements with a `name` are prepared once per connection.
 */
export class PostgresDatabase {
  private readonly logger = new Logger('PostgreSQL');
  private closing: Promise<void> | undefined;

  private constructor(
    readonly pool: Pool,
    /** host:port/database, for log lines (never the password). */
    readonly target: string,
  ) {
    // An idle connection that breaks (the server restarted, a proxy cut it)
    // is reported here; without a listener it would crash the process. The
    // pool drops it and opens another on demand.
    pool.on('error', (error) => this.logger.warn(`an idle connection to ${target} failed: ${error.message}`));
  }

  static async open(options: PostgresOptions): Promise<PostgresDatabase> {
    const target = describeDatabase(options.url);
    const pool = new Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
      application_name: 'td-sync',
      keepAlive: true,
    });
    const database = new PostgresDatabase(pool, target);
    try {
      await database.waitUntilAnswering(options.connectTimeoutMs);
      await migratePostgres(pool, options.url);
      await database.warnIfCommitsAreNotDurable();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return database;
  }

  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig | string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }> {
    return this.pool.query<R>(config as QueryConfig, values);
  }

  /**
   * Runs `work` inside BEGIN … COMMIT on one connection (READ COMMITTED, or
   * `begin` for another isolation level) and resolves once COMMIT has
   * returned, i.e. once the work is durable. Anything thrown rolls it back.
   * A connection whose ROLLBACK fails is discarded, not returned to the pool.
   */
  async transaction<T>(work: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Undefined while the database answers a query within a few seconds; otherwise why not. */
  async ping(): Promise<string | undefined> {
    if (this.closing) return 'the database connection is closed';
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`PostgreSQL at ${this.target} did not answer within ${PING_TIMEOUT_MS / 1000} s`), PING_TIMEOUT_MS);
    });
    const answer = this.pool.query('SELECT 1').then(
      () => undefined,
      (error: Error) => `PostgreSQL at ${this.target} does not answer: ${error.message}`,
    );
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the pool once the queries in flight are done. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  private async waitUntilAnswering(timeoutMs: number): Promise<void> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pool.query('SELECT 1');
        if (attempt > 1) this.logger.log(`PostgreSQL at ${this.target} answers (attempt ${attempt})`);
        return;
      } catch (error) {
        const message = (error as Error).message;
        const delay = RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)];
        const waited = Date.now() - started;
        if (waited + delay > timeoutMs) {
          throw new Error(`PostgreSQL at ${this.target} did not answer within ${Math.round(timeoutMs / 1000)} s (${attempt} attempts): ${message}`);
        }
        if (attempt === 1) {
          // Nest buffers log lines until the application is built, which this
          // start is waiting for: flush them so each attempt shows as it happens.
          Logger.flush();
        }
        this.logger.warn(`PostgreSQL at ${this.target} does not answer (attempt ${attempt}: ${message}); retrying in ${delay / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** A 200 to a push means committed: that needs synchronous_commit (PostgreSQL's default). */
  private async warnIfCommitsAreNotDurable(): Promise<void> {
    const { rows } = await this.pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    if (rows[0]?.synchronous_commit === 'off') {
      this.logger.warn(`synchronous_commit is off on ${this.target}: a push acknowledged just before a database crash may be lost; set it to on`);
    }
  }
}
