import { Client } from 'pg';
import { serverCount, serverRows } from './database-files';
import type { TestServer } from './test-server';

/**
 * Rows of the server's own tables (users, api_keys, auth_requests, projects,
 * memberships), read on a connection of the spec's own, whichever backend the
 * server runs on: its SQLite server.db, or its PostgreSQL database. `sql`
 * uses `?` placeholders and SQL both dialects read alike. Values come back as
 * SQLite gives them: PostgreSQL's booleans as 1 or 0, its counts as numbers.
 */
export async function storedRows<Row>(server: TestServer, sql: string, ...params: unknown[]): Promise<Row[]> {
  if (!server.database) return serverRows<Row>(server.dataDir, sql, ...params);
  const rows = await postgresRows(server.database.url, sql, params);
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, typeof value === 'boolean' ? Number(value) : value])) as Row);
}

/** The first row `sql` finds; fails the test when there is none. */
export async function storedRow<Row>(server: TestServer, sql: string, ...params: unknown[]): Promise<Row> {
  const [row] = await storedRows<Row>(server, sql, ...params);
  if (row === undefined) throw new Error(`no row for: ${sql}`);
  return row;
}

/** How many rows `sql` (a SELECT count(*) ...) counts. */
export async function storedCount(server: TestServer, sql: string, ...params: unknown[]): Promise<number> {
  if (!server.database) return serverCount(server.dataDir, sql, ...params);
  const [row] = await postgresRows(server.database.url, sql, params);
  return Number(Object.values(row)[0]);
}

async function postgresRows(url: string, sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  let n = 0;
  const numbered = sql.replace(/\?/g, () => `$${++n}`);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(numbered, params)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
