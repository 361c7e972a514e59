import { Logger } from '@nestjs/common';
import { Pool, PoolClient, QueryArrayConfig, QueryConfig, QueryResultRow } from 'pg';
import type { PostgresOptions } from '../storage-options';
import { StorageUnavailableError } from '../storage-unavailable.error';
import { describeDatabase } from './describe-database';
import { migratePostgres } from './postgres-migrator';
import { waitUntilAnswering } from './wait-for-postgres';
import { RowFields, RowVisitingQuery } from './row-visiting-query';

/** A request waiting for a free connection longer than this fails rather than hanging. */
const CONNECTION_TIMEOUT_MS = 10_000;

/** The health probe's query must answer within this, or the probe reports the database down. */
const PING_TIMEOUT_MS = 3_000;

/**
 * The PostgreSQL backend's one connection pool, shared by its repositories.
 * `open` waits for the database (retrying for a bounded time, one log line
 * per attempt; main.ts has already waited with waitForStorage, so this only
 * matters when the database went away in between), migrates it under an advisory lock, and only then hands the
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
      await waitUntilAnswering(pool, target, options.connectTimeoutMs, (line) => database.logger.warn(line));
      await migratePostgres(pool, options.url);
      await database.warnIfCommitsAreNotDurable();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return database;
  }

  /** One statement on a connection of the pool (`rowMode: 'array'` for rows as arrays, typed by the caller as R). */
  query<R = QueryResultRow>(config: QueryConfig | QueryArrayConfig | string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }> {
    return this.onConnection(async (client) => (await client.query(config as QueryConfig, values)) as unknown as { rows: R[]; rowCount: number | null });
  }

  /**
   * One statement whose rows go to `onRow` as they arrive, as their fields'
   * text, and are not kept (RowVisitingQuery): for a large result built
   * into something else row by row.
   */
  queryEachRow(config: QueryConfig, onRow: (fields: RowFields) => void): Promise<void> {
    return this.onConnection(
      (client) =>
        new Promise<void>((resolve, reject) => {
          client.query(new RowVisitingQuery(config, onRow, (error) => (error ? reject(error) : resolve())));
        }),
    );
  }

  /** Runs one statement's `work` on a pooled connection; a connection that broke is discarded and the error is a StorageUnavailableError. */
  private async onConnection<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let lost: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      lost = connectionLost(error);
      throw lost ? this.unavailable(lost) : error;
    } finally {
      client.release(lost);
    }
  }

  /**
   * Runs `work` inside BEGIN … COMMIT on one connection (READ COMMITTED, or
   * `begin` for another isolation level) and resolves once COMMIT has
   * returned, i.e. once the work is durable. Anything thrown rolls it back.
   * A connection that broke, or whose ROLLBACK fails, is discarded rather
   * than returned to the pool.
   */
  async transaction<T>(work: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = connectionLost(error);
      if (!broken) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
      }
      throw broken ? this.unavailable(broken) : error;
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

  /** A connection of the pool; StorageUnavailableError when none can be had (the database does not answer, or refuses). */
  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      if (this.closing) throw error;
      throw this.unavailable(error as Error);
    }
  }

  private unavailable(cause: Error): StorageUnavailableError {
    return new StorageUnavailableError(`PostgreSQL at ${this.target} does not answer: ${cause.message}`, { cause });
  }

  /** Ends the pool once the queries in flight are done. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  /** A 200 to a push means committed: that needs synchronous_commit (PostgreSQL's default). */
  private async warnIfCommitsAreNotDurable(): Promise<void> {
    const { rows } = await this.pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    if (rows[0]?.synchronous_commit === 'off') {
      this.logger.warn(`synchronous_commit is off on ${this.target}: a push acknowledged just before a database crash may be lost; set it to on`);
    }
  }
}

/**
 * SQLSTATE classes and codes that mean the connection, not the statement,
 * failed: connection exceptions (08), the server shutting down or restarting
 * (57P01–57P03), too many connections (53300).
 */
const CONNECTION_FAILURES = /^(08...|57P0[123]|53300)$/;

/** The error, when it says the connection broke (rather than the statement failing); undefined otherwise. */
function connectionLost(error: unknown): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_FAILURES.test(code)) return error;
  // node-postgres's own errors for a socket that closed or failed carry no SQLSTATE.
  if (code === undefined && /Connection terminated|ECONNRESET|EPIPE|connection timeout|Client has encountered a connection error/i.test(error.message)) return error;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return error;
  return undefined;
}
