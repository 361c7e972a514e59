import BetterSqlite3, { Database } from 'better-sqlite3';
import { GoDataDirectoryError } from './go-data-directory-error';

/**
 * One of the Go server's SQLite files, opened read-only (a Go server still
 * running may hold a write lock for a moment: busy_timeout waits for it). A
 * file that cannot be opened is a GoDataDirectoryError naming its path.
 */
export function openGoSqliteFile(path: string): Database {
  try {
    const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (error) {
    throw new GoDataDirectoryError(`cannot open ${path}: ${(error as Error).message}`);
  }
}

/** The names of a table's columns; none when there is no such table. */
export function columnsOf(db: Database, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((column) => column.name);
}
