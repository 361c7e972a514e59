/**
 * A throwaway PostgreSQL cluster for `--backend=postgres`, started as the
 * specs start theirs (libs/testing/src/embedded-postgres-start.mjs: real
 * binaries, loopback only, as root through a `postgres` system user): a temp
 * data directory, a free loopback port, a random password, and PostgreSQL's
 * defaults otherwise (fsync on: the bench measures durable commits); stopped
 * and deleted at the end, on failure and on Ctrl-C (through the cleanup stack).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createEmbeddedPostgres, freePort, killPostmaster } from '../../libs/testing/src/embedded-postgres-start.mjs';

const USER = 'bench';

export async function startEmbeddedPostgres({ cleanup }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'td-sync-bench-pg-'));
  const port = await freePort();
  const password = randomBytes(16).toString('hex');
  const cluster = createEmbeddedPostgres({ dataDir, user: USER, password });
  cleanup.add(
    `embedded PostgreSQL (${dataDir})`,
    async () => {
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
    () => {
      // No event loop to wait on: an immediate shutdown (SIGQUIT), then the files.
      killPostmaster(dataDir);
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  );
  try {
    await cluster.start(port);
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start (${error?.message ?? 'it exited'}); its output:\n${cluster.output()}`);
  }

  const query = async (database, sql) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const [{ server_version: version }] = await query('postgres', 'SHOW server_version');
  return {
    version,
    port,
    /** A fresh database for one scenario; answers its connection URL. */
    async createDatabase(name) {
      await query('postgres', `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      return `postgres://${USER}:${password}@127.0.0.1:${port}/${name}`;
    },
    /** Tables outside PostgreSQL's own schemas: 0 means no server ever used this database. */
    async tableCount(name) {
      const [{ count }] = await query(name, `SELECT count(*)::int AS count FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`);
      return count;
    },
  };
}
