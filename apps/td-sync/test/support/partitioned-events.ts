/**
 * The `events` table hash-partitioned by project_id, as a deployment that
 * outgrows one table (or moves to Citus) would have it: the docs claim every
 * event query and constraint is keyed by project_id first, and this is how
 * the suites check it. TD_SYNC_TEST_EVENTS_PARTITIONS=N runs every
 * PostgreSQL server of the e2e suites on such a table (N partitions).
 */
import { Client } from 'pg';
import type { Env } from '../../src/config/sync-config';
import { createApp } from '../../src/create-app';

/** How many partitions the suites' PostgreSQL databases get; undefined: a plain table. */
export function eventsPartitionsWanted(): number | undefined {
  const wanted = process.env.TD_SYNC_TEST_EVENTS_PARTITIONS;
  return wanted ? Number(wanted) : undefined;
}

/**
 * Migrates an empty database by starting the app on it once, then replaces
 * its `events` table with one hash-partitioned by project_id into
 * `partitions` tables, with the same columns, keys and constraints.
 */
export async function migrateWithPartitionedEvents(url: string, partitions: number, env: Env): Promise<void> {
  const app = await createApp({ ...env, SYNC_DATABASE_URL: url, SYNC_LOG_LEVEL: 'error' });
  await app.close();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE events RENAME TO events_unpartitioned');
    // Primary key and unique constraint come along: both lead with project_id, as a partitioned table requires.
    await client.query('CREATE TABLE events (LIKE events_unpartitioned INCLUDING ALL) PARTITION BY HASH (project_id)');
    for (let i = 0; i < partitions; i++) {
      await client.query(`CREATE TABLE events_p${i} PARTITION OF events FOR VALUES WITH (MODULUS ${partitions}, REMAINDER ${i})`);
    }
    await client.query('DROP TABLE events_unpartitioned');
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}
