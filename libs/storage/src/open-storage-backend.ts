import { openSqliteBackend } from './sqlite/sqlite-backend';
import type { StorageBackend } from './storage-backend';
import type { StorageOptions } from './storage-options';

/**
 * The backend the options ask for, opened (and migrated) before the app
 * serves anything. This is the seam of a second backend: a `postgres/` set of
 * repositories behind an `openPostgresBackend(options)`, chosen here when the
 * options carry a database URL. Nothing outside libs/storage changes.
 */
export function openStorageBackend(options: StorageOptions): Promise<StorageBackend> {
  return openSqliteBackend(options);
}
