import Database from 'better-sqlite3';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One row of a project's `events` table, as stored. */
export interface StoredEvent {
  server_seq: number;
  device_id: string;
  session_id: string;
  /** Decimal text, exact even beyond 2^53. */
  client_action_id: string;
  action_type: string;
  entity_type: string;
  entity_id: string;
  payload: string;
  client_timestamp: string;
  server_timestamp: string;
}

/**
 * Runs `read` on a connection of its own to the SQLite file at `path`, next to
 * whatever the server has open (WAL lets both read). The connection is opened
 * read-write so that a database whose last writer died can be recovered, as
 * any SQLite client would; nothing here writes.
 */
export function withDatabase<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return read(db);
  } finally {
    db.close();
  }
}

/** `PRAGMA integrity_check`: 'ok', or the problems SQLite found. */
export function integrityCheck(path: string): string {
  return withDatabase(path, (db) => (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; '));
}

/** Every event of a project, by server_seq. */
export function storedEvents(dataDir: string, projectId: string): StoredEvent[] {
  return withDatabase(projectDatabasePath(dataDir, projectId), (db) =>
    db
      .prepare(
        `SELECT server_seq, device_id, session_id, CAST(client_action_id AS TEXT) AS client_action_id, action_type, entity_type,
           entity_id, payload, client_timestamp, server_timestamp FROM events ORDER BY server_seq`,
      )
      .all() as StoredEvent[],
  );
}

export function projectDatabasePath(dataDir: string, projectId: string): string {
  return join(dataDir, 'projects', projectId, 'events.db');
}

/** The server database and every project database under `dataDir` (laid out as the test servers lay it out). */
export function allDatabases(dataDir: string): string[] {
  const projectsDir = join(dataDir, 'projects');
  const projects = existsSync(projectsDir) ? readdirSync(projectsDir).map((id) => join(projectsDir, id, 'events.db')) : [];
  return [join(dataDir, 'server.db'), ...projects.filter((path) => existsSync(path))];
}

/**
 * Everything the server stores, as one comparable value: the server tables
 * (without last_used_at, which any authenticated request may advance) and
 * every project's events. Two equal snapshots mean a request changed nothing.
 */
export function storedState(dataDir: string): string {
  const server = withDatabase(join(dataDir, 'server.db'), (db) => ({
    users: db.prepare('SELECT * FROM users ORDER BY id').all(),
    api_keys: db.prepare('SELECT id, user_id, key_hash, key_prefix, name, scopes, expires_at, revoked_at, created_at FROM api_keys ORDER BY id').all(),
    auth_requests: db.prepare('SELECT * FROM auth_requests ORDER BY id').all(),
    projects: db.prepare('SELECT * FROM projects ORDER BY id').all(),
    memberships: db.prepare('SELECT * FROM memberships ORDER BY project_id, user_id').all(),
  }));
  const projectsDir = join(dataDir, 'projects');
  const projects = existsSync(projectsDir) ? readdirSync(projectsDir).sort() : [];
  const events = Object.fromEntries(
    projects.filter((id) => existsSync(projectDatabasePath(dataDir, id))).map((id) => [id, storedEvents(dataDir, id)]),
  );
  return JSON.stringify({ server, events, directories: projects });
}

/** Rows of the server database under `dataDir`, read on a connection of its own. */
export function serverRows<Row>(dataDir: string, sql: string, ...params: unknown[]): Row[] {
  return withDatabase(join(dataDir, 'server.db'), (db) => db.prepare(sql).all(...params) as Row[]);
}

/** The first row `sql` finds in the server database under `dataDir`; fails the test when there is none. */
export function serverRow<Row>(dataDir: string, sql: string, ...params: unknown[]): Row {
  const [row] = serverRows<Row>(dataDir, sql, ...params);
  if (row === undefined) throw new Error(`no row for: ${sql}`);
  return row;
}

/** How many rows `sql` (a SELECT count(*) ...) counts in the server database under `dataDir`. */
export function serverCount(dataDir: string, sql: string, ...params: unknown[]): number {
  return withDatabase(join(dataDir, 'server.db'), (db) => db.prepare(sql).pluck().get(...params) as number);
}
