import { openPostgresBackend } from './postgres/postgres-backend';
import { openSqliteBackend } from './sqlite/sqlite-backend';
import type { StorageBackend } from './storage-backend';
import type { StorageOptions } from './storage-options';

/**
 * The backend the options ask for, opened (and migrated) before the app
 * serves anything: PostgreSQL when they carry a database URL, otherwise
 * SQLite files. Nothing outside libs/storage knows which.
 */
export function openStorageBackend(options: StorageOptions): Promise<StorageBackend> {
  return options.database ? openPostgresBackend(options.database) : openSqliteBackend(options);
}
