import type { Database } from 'better-sqlite3';
import { openReadOnlySqlite } from '../read-only-sqlite';
import { GoDataDirectoryError } from './go-data-directory-error';

/** One of the Go server's SQLite files, opened read-only; one that cannot be opened is a GoDataDirectoryError naming its path. */
export function openGoSqliteFile(path: string): Database {
  try {
    return openReadOnlySqlite(path);
  } catch (error) {
    throw new GoDataDirectoryError(`cannot open ${path}: ${(error as Error).message}`);
  }
}
