import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATION_LOCK } from './advisory-locks';
import { PostgresInitialSchema1764100000000 } from './migrations/1764100000000-postgres-initial-schema';
import { SyncFunctions1764100000001 } from './migrations/1764100000001-sync-functions';
import { PushInOneStatement1764100000002 } from './migrations/1764100000002-push-in-one-statement';
import { PushGroupInOneStatement1764100000003 } from './migrations/1764100000003-push-group-in-one-statement';
import { ProjectDevices1764100000004 } from './migrations/1764100000004-project-devices';

/** The PostgreSQL schema's migrations, in order; TypeORM records the ones run in its `migrations` table. */
export const POSTGRES_MIGRATIONS = [PostgresInitialSchema1764100000000, SyncFunctions1764100000001, PushInOneStatement1764100000002, PushGroupInOneStatement1764100000003, ProjectDevices1764100000004];

/**
 * Brings the database's schema up to date with TypeORM's migrations (never
 * `synchronize`). Several nodes may start at once against one database, so
 * the run holds a session-level advisory lock, taken on a connection of the
 * pool: the first node migrates (all pending migrations in one transaction),
 * the others wait for it and then find nothing pending.
 */
export async function migratePostgres(pool: Pool, url: string): Promise<void> {
  const lock = await pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
    try {
      const migrator = new DataSource({
        type: 'postgres',
        url,
        migrations: POSTGRES_MIGRATIONS,
        migrationsRun: true,
        migrationsTransactionMode: 'all',
        synchronize: false,
        logging: false,
        extra: { max: 1, application_name: 'td-sync migrations' },
      });
      await migrator.initialize();
      await migrator.destroy();
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK]);
    }
  } finally {
    lock.release();
  }
}
