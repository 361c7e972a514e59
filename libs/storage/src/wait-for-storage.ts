import type { StorageOptions } from './storage-options';

/**
 * Resolves once the database the options name answers, retrying (one `log`
 * line per failed attempt) for the configured time, else rejects. For a
 * process start, before the application is built: Nest holds its log lines
 * until then, and a node waiting for its database should say so as it waits.
 * SQLite files need no waiting, and a SQLite server never loads node-postgres.
 */
export async function waitForStorage(options: StorageOptions, log: (line: string) => void): Promise<void> {
  if (!options.database) return;
  const { waitForPostgres } = await import('./postgres/wait-for-postgres');
  await waitForPostgres(options.database, log);
}
