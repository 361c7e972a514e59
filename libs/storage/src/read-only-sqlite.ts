import BetterSqlite3, { Database } from 'better-sqlite3';
import { SQLITE_PRAGMAS } from './sqlite-pragmas';

/**
 * A SQLite file that td-sync reads and never writes: a deployment's files
 * for migrate-to-postgres, the Go server's for import-go. Opened read-only
 * (the file must exist) and waiting, as the server's own connections do, up
 * to busy_timeout for a lock that a process still writing holds for a moment.
 */
export function openReadOnlySqlite(path: string): Database {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${SQLITE_PRAGMAS.busy_timeout}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** The names of a table's columns, in their order; none when there is no such table. `table` is one of our own names: it is not quoted. */
export function tableColumns(db: Database, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((column) => column.name);
}
