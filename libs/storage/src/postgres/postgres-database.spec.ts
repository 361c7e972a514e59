import { Logger } from '@nestjs/common';
import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDatabase } from './postgres-database';
import { POSTGRES_MIGRATIONS } from './postgres-migrator';

const options = (url: string, connectTimeoutMs = 10_000) => ({ url, poolSize: 3, connectTimeoutMs });

async function rowsOf<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('PostgresDatabase (real PostgreSQL)', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await database.drop();
  });

  it('migrates once when three nodes start together on an empty database', async () => {
    const nodes = await Promise.all([1, 2, 3].map(() => PostgresDatabase.open(options(database.url))));
    try {
      const migrations = await rowsOf<{ name: string }>(database.url, 'SELECT name FROM migrations');
      expect(migrations.map((m) => m.name)).toEqual(['PostgresInitialSchema1764100000000', 'SyncFunctions1764100000001', 'PushInOneStatement1764100000002', 'PushGroupInOneStatement1764100000003', 'ProjectDevices1764100000004']);
      const tables = await rowsOf<{ table_name: string }>(database.url, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
      expect(tables.map((t) => t.table_name)).toEqual(['api_keys', 'auth_requests', 'events', 'memberships', 'migrations', 'project_devices', 'project_seqs', 'projects', 'rate_limit_windows', 'users']);
      for (const node of nodes) expect(await node.ping()).toBeUndefined();
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });

  it("upgrades a database of the previous release, keeping td_sync_push for that release's nodes still running", async () => {
    const previous = new DataSource({ type: 'postgres', url: database.url, migrations: POSTGRES_MIGRATIONS.slice(0, 3), migrationsRun: true, logging: false });
    await previous.initialize();
    await previous.destroy();
    const node = await PostgresDatabase.open(options(database.url));
    try {
      const migrations = await rowsOf<{ name: string }>(database.url, 'SELECT name FROM migrations ORDER BY id');
      expect(migrations.map((m) => m.name)).toEqual(POSTGRES_MIGRATIONS.map((migration) => migration.name));
      const functions = await rowsOf<{ proname: string }>(database.url, `SELECT proname FROM pg_proc WHERE proname LIKE 'td_sync_push%' ORDER BY 1`);
      expect(functions.map((f) => f.proname)).toEqual(['td_sync_push', 'td_sync_push_group']);
    } finally {
      await node.close();
    }
  });

  it('keeps the schema of a database it already migrated, and its rows', async () => {
    const first = await PostgresDatabase.open(options(database.url));
    await first.query(`INSERT INTO users (id, email, created_at) VALUES ('u_0000000000000001', 'kept@example.com', '2026-01-31T08:15:02.000Z')`);
    await first.close();
    const second = await PostgresDatabase.open(options(database.url));
    try {
      expect((await second.query('SELECT email FROM users')).rows).toEqual([{ email: 'kept@example.com' }]);
      expect(await rowsOf(database.url, 'SELECT count(*)::int AS n FROM migrations')).toEqual([{ n: POSTGRES_MIGRATIONS.length }]);
    } finally {
      await second.close();
    }
  });

  it('retries a database that does not answer, one log line per attempt, then fails naming it without the password', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const port = await closedPort();
    const url = `postgres://someone:s3cret-password@127.0.0.1:${port}/td_sync`;
    const failure = await PostgresDatabase.open(options(url, 1200)).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${port}/td_sync did not answer within 1 s \\(\\d+ attempts\\): .*ECONNREFUSED`));
    const lines = warn.mock.calls.map(([message]) => String(message));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${port}/td_sync does not answer \\(attempt 1: .*\\); retrying in 0\\.5 s$`));
    expect(lines[1]).toMatch(/\(attempt 2: /);
    expect([failure?.message, ...lines].join('\n')).not.toContain('s3cret-password');
  });

  it('answers the health probe while the database answers, and says why not once it does not', async () => {
    const db = await PostgresDatabase.open(options(database.url));
    try {
      expect(await db.ping()).toBeUndefined();
      await database.drop();
      expect(await db.ping()).toMatch(/^PostgreSQL at 127\.0\.0\.1:\d+\/td_sync_[0-9a-f]+ does not answer: /);
    } finally {
      await db.close();
    }
    expect(await db.ping()).toBe('the database connection is closed');
  });

  it('rolls a transaction back whole when its work throws', async () => {
    const db = await PostgresDatabase.open(options(database.url));
    try {
      const insert = `INSERT INTO users (id, email, created_at) VALUES ('u_0000000000000002', 'rolled@example.com', '2026-01-31T08:15:02.000Z')`;
      await expect(
        db.transaction(async (client) => {
          await client.query(insert);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect((await db.query('SELECT count(*)::int AS n FROM users')).rows).toEqual([{ n: 0 }]);
    } finally {
      await db.close();
    }
  });
});
