import type { MigrationSummary, SqliteToPostgresOptions } from './sqlite-to-postgres';

/**
 * `migrateSqliteToPostgres` (see sqlite-to-postgres.ts), loaded when it is
 * called: the migration brings node-postgres and TypeORM with it, which a
 * running server never needs (about 10 MB of heap it would otherwise keep
 * for its whole life).
 */
export async function migrateSqliteToPostgres(options: SqliteToPostgresOptions): Promise<MigrationSummary> {
  const migration = await import('./sqlite-to-postgres');
  return migration.migrateSqliteToPostgres(options);
}
