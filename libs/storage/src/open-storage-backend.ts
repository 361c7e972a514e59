import { openSqliteBackend } from './sqlite/sqlite-backend';
import type { StorageBackend } from './storage-backend';
import type { StorageOptions } from './storage-options';

/**
 * The backend the options ask for, opened (and migrated) before the app
 * serves anything: PostgreSQL when they carry a database URL, otherwise
 * SQLite files. Nothing outside libs/storage knows which.
 *
 * The PostgreSQL backend is loaded only when asked for: its driver and
 * TypeORM (for its migrations) would otherwise stay resident in every
 * SQLite server (about 16 MB).
 */
export async function openStorageBackend(options: StorageOptions): Promise<StorageBackend> {
  if (!options.database) return openSqliteBackend(options);
  const { openPostgresBackend } = await import('./postgres/postgres-backend');
  return openPostgresBackend(options.database);
}
