import BetterSqlite3, { Database, Statement } from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isProjectId } from '../project-id';
import type { GoApiKey, GoEvent, GoMembership, GoProject, GoUser } from './go-records';

/** The tables td-sync takes over, each with the columns it reads (present in every schema version of the Go server). */
const REQUIRED_COLUMNS: Record<string, string[]> = {
  users: ['id', 'email', 'created_at'],
  api_keys: ['id', 'user_id', 'key_hash', 'key_prefix', 'name', 'scopes', 'expires_at', 'last_used_at', 'created_at'],
  projects: ['id', 'name', 'description', 'created_at', 'updated_at', 'deleted_at'],
  memberships: ['project_id', 'user_id', 'role', 'invited_by', 'created_at'],
};

/** A data directory the importer cannot read as the Go server's. */
export class GoDataDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoDataDirectoryError';
  }
}

/**
 * The data directory of the upstream Go td-sync server, read-only: its
 * `server.db` and `projects/<id>/events.db` (the layout its SYNC_SERVER_DB_PATH
 * and SYNC_PROJECT_DATA_DIR default to: ./data/server.db, ./data/projects).
 * Rows come back as the Go server stored them (see go-records.ts); the
 * importer in libs/admin decides what they become. Nothing here writes.
 */
export class GoDataDirectory {
  private constructor(
    readonly dir: string,
    private readonly server: Database,
    private readonly hasIsAdmin: boolean,
  ) {}

  static open(dir: string): GoDataDirectory {
    const root = resolve(dir);
    const serverDb = join(root, 'server.db');
    if (!existsSync(serverDb)) throw new GoDataDirectoryError(`${serverDb} not found: --from must name the Go server's data directory (the one holding server.db and projects/)`);
    let server: Database;
    try {
      server = new BetterSqlite3(serverDb, { readonly: true, fileMustExist: true });
      server.pragma('busy_timeout = 5000');
    } catch (error) {
      throw new GoDataDirectoryError(`cannot open ${serverDb}: ${(error as Error).message}`);
    }
    try {
      for (const [table, columns] of Object.entries(REQUIRED_COLUMNS)) {
        const present = new Set(columnsOf(server, table));
        const missing = columns.filter((column) => !present.has(column));
        if (missing.length > 0) {
          throw new GoDataDirectoryError(`${serverDb} is not a Go td-sync server database: table ${table} ${present.size === 0 ? 'is missing' : `lacks ${missing.join(', ')}`}`);
        }
      }
      return new GoDataDirectory(root, server, columnsOf(server, 'users').includes('is_admin'));
    } catch (error) {
      server.close();
      if (error instanceof GoDataDirectoryError) throw error;
      throw new GoDataDirectoryError(`cannot read ${serverDb}: ${(error as Error).message}`);
    }
  }

  /** Oldest first, so that creation order carries over. */
  users(): GoUser[] {
    const admin = this.hasIsAdmin ? 'is_admin' : '0';
    return this.server
      .prepare<[], Omit<GoUser, 'is_admin'> & { is_admin: number }>(`SELECT id, email, ${admin} AS is_admin, created_at FROM users ORDER BY created_at, rowid`)
      .all()
      .map((row) => ({ ...row, is_admin: Boolean(row.is_admin) }));
  }

  apiKeys(): GoApiKey[] {
    return this.server
      .prepare<[], GoApiKey>(
        `SELECT id, user_id, key_hash, key_prefix, coalesce(name, '') AS name, coalesce(scopes, '') AS scopes, expires_at, last_used_at, created_at
         FROM api_keys ORDER BY created_at, rowid`,
      )
      .all();
  }

  projects(): GoProject[] {
    return this.server
      .prepare<[], GoProject>(`SELECT id, name, coalesce(description, '') AS description, created_at, updated_at, deleted_at FROM projects ORDER BY created_at, rowid`)
      .all();
  }

  memberships(): GoMembership[] {
    return this.server
      .prepare<[], GoMembership>(`SELECT project_id, user_id, role, coalesce(invited_by, '') AS invited_by, created_at FROM memberships ORDER BY created_at, rowid`)
      .all();
  }

  /** The project's event log, or undefined when the Go server never created one (or the id cannot name a directory). */
  openEventLog(projectId: string): GoEventLog | undefined {
    if (!isProjectId(projectId)) return undefined;
    const path = join(this.dir, 'projects', projectId, 'events.db');
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return undefined;
    return GoEventLog.open(path);
  }

  close(): void {
    if (this.server.open) this.server.close();
  }
}

/** One project's `events` table on the Go server, read in seq order, a page at a time. */
export class GoEventLog {
  private constructor(
    private readonly db: Database,
    /** Undefined when the database has no events table: the Go server creates it on first open, so none were ever stored. */
    private readonly pageAfter: Statement<[bigint, number]> | undefined,
  ) {}

  static open(path: string): GoEventLog {
    let db: Database;
    try {
      db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
    } catch (error) {
      throw new GoDataDirectoryError(`cannot open ${path}: ${(error as Error).message}`);
    }
    try {
      if (columnsOf(db, 'events').length === 0) return new GoEventLog(db, undefined);
      // Integers as bigint: seqs and client action ids are int64 on the Go server.
      const page = db
        .prepare(
          `SELECT server_seq, device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp
           FROM events WHERE server_seq > ? ORDER BY server_seq LIMIT ?`,
        )
        .safeIntegers(true);
      return new GoEventLog(db, page);
    } catch (error) {
      db.close();
      throw new GoDataDirectoryError(`cannot read ${path}: ${(error as Error).message}`);
    }
  }

  /** Up to `limit` events after `afterSeq`, ascending. */
  page(afterSeq: number | bigint, limit: number): GoEvent[] {
    if (!this.pageAfter) return [];
    const rows = this.pageAfter.all(BigInt(afterSeq), limit) as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      server_seq: exact(row.server_seq as bigint),
      device_id: String(row.device_id),
      session_id: String(row.session_id),
      client_action_id: exact(row.client_action_id as bigint),
      action_type: String(row.action_type),
      entity_type: String(row.entity_type),
      entity_id: String(row.entity_id),
      payload: Buffer.isBuffer(row.payload) ? row.payload : Buffer.from(String(row.payload ?? ''), 'utf8'),
      client_timestamp: time(row.client_timestamp),
      server_timestamp: time(row.server_timestamp),
    }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function columnsOf(db: Database, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((column) => column.name);
}

function exact(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** With safeIntegers on, an integer time comes back as a bigint. */
function time(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' ? value : String(value);
}
