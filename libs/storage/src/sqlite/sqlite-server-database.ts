import BetterSqlite3, { Database } from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { InitialSchema1764000000000 } from '../migrations/1764000000000-initial-schema';
import { UserDisabledAt1765000000000 } from '../migrations/1765000000000-user-disabled-at';
import { applyPragmas, checkpointTruncate } from '../sqlite-pragmas';
import { runMigrations } from './sqlite-migration-runner';

/** The server database's migrations, in order; the ones run are recorded in TypeORM's `migrations` table (see runMigrations). */
export const SERVER_MIGRATIONS = [InitialSchema1764000000000, UserDisabledAt1765000000000];

/**
 * The server database (users, keys, auth requests, projects, memberships) on
 * one better-sqlite3 connection that the SQLite repositories share.
 *
 * At open, its pending migrations run on that connection (TypeORM migration
 * classes, run without loading TypeORM: see runMigrations). Queries are prepared once per repository and run
 * synchronously, so a check-then-write (is this the last owner? is the project
 * still live?) done inside one better-sqlite3 transaction cannot interleave
 * with any other request: nothing else reaches the connection between BEGIN
 * and COMMIT. Never hold a transaction across an await.
 */
export class SqliteServerDatabase {
  private closed = false;

  private constructor(
    readonly path: string,
    /** The connection, for the repositories of this backend. */
    readonly connection: Database,
    /** Device and inode of the file as opened, to notice it being deleted or replaced. */
    private readonly openedFile: string | undefined,
  ) {}

  /** Creates the file (and its directories) if need be, migrates it and opens it with the PROTOCOL.md pragmas. */
  static async open(path: string): Promise<SqliteServerDatabase> {
    mkdirSync(dirname(path), { recursive: true });
    const connection = new BetterSqlite3(path);
    try {
      applyPragmas(connection);
      await runMigrations(connection, SERVER_MIGRATIONS);
    } catch (error) {
      connection.close();
      throw error;
    }
    return new SqliteServerDatabase(path, connection, fileIdentity(path));
  }

  /**
   * Undefined while the database answers a query that reads its schema page (so
   * a closed connection or an unreadable file shows) and the file at its path
   * is still the one it opened. SQLite keeps answering, and writing, on a file
   * deleted or replaced under it, and everything written from then on is lost
   * at the next start: a restart is what the health probe should cause.
   */
  ping(): string | undefined {
    try {
      this.connection.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
    } catch {
      return 'server database does not answer';
    }
    if (this.openedFile === undefined || fileIdentity(this.path) !== this.openedFile) {
      return 'server database file was removed or replaced while open';
    }
    return undefined;
  }

  /** Checkpoints with TRUNCATE, so a copy of the .db file alone is complete, and closes. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.connection.open) return;
    try {
      checkpointTruncate(this.connection);
    } finally {
      this.connection.close();
    }
  }
}

function fileIdentity(path: string): string | undefined {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats ? `${stats.dev}:${stats.ino}` : undefined;
  } catch {
    return undefined;
  }
}
