import type { Database } from 'better-sqlite3';
import { openReadOnlySqlite } from '../read-only-sqlite';

/** A value as better-sqlite3 reads it with safe integers on: integers are bigints, so none loses digits. */
export type SqliteValue = string | bigint | number | Buffer | null;

/**
 * A SQLite deployment's server database, read for migrate-to-postgres:
 * opened read-only, and read inside one read transaction, so every table is
 * seen as of one moment even if something else had it open. Tables and
 * columns are read from the file itself, not assumed, so that the copy
 * notices anything it would otherwise drop.
 */
export class SqliteServerSource {
  private constructor(private readonly db: Database) {}

  static open(path: string): SqliteServerSource {
    const db = openReadOnlySqlite(path);
    try {
      db.defaultSafeIntegers(true);
      // A deferred transaction takes its snapshot at the first read and keeps it to the end.
      db.exec('BEGIN');
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteServerSource(db);
  }

  /** The file's own tables, SQLite's bookkeeping excluded. */
  tables(): string[] {
    return this.db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`)
      .pluck()
      .all() as string[];
  }

  columns(table: string): string[] {
    return (this.db.pragma(`table_info(${quoteIdentifier(table)})`) as Array<{ name: string }>).map((column) => column.name);
  }

  count(table: string): number {
    return Number(this.db.prepare(`SELECT count(*) FROM ${quoteIdentifier(table)}`).pluck().get());
  }

  /** Every row of `table`, as arrays of `columns` followed by its rowid, in rowid (insertion) order. */
  rows(table: string, columns: readonly string[]): SqliteValue[][] {
    const list = [...columns.map(quoteIdentifier), 'rowid'].join(', ');
    return this.db.prepare(`SELECT ${list} FROM ${quoteIdentifier(table)} ORDER BY rowid`).raw().all() as SqliteValue[][];
  }

  /** The rows of `table` whose `keyColumn` is `projectId`, as `rows` gives them. */
  rowsOfProject(table: string, columns: readonly string[], projectId: string, keyColumn = 'project_id'): SqliteValue[][] {
    const list = [...columns.map(quoteIdentifier), 'rowid'].join(', ');
    const where = `${quoteIdentifier(keyColumn)} = ?`;
    return this.db.prepare(`SELECT ${list} FROM ${quoteIdentifier(table)} WHERE ${where} ORDER BY rowid`).raw().all(projectId) as SqliteValue[][];
  }

  close(): void {
    if (!this.db.open) return;
    this.db.exec('COMMIT');
    this.db.close();
  }
}

/** A table or column name as SQL text; names come from the file, so they are quoted, never trusted. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
