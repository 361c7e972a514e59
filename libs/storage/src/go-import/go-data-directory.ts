import type { Database } from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isProjectId } from '../project-id';
import { GoDataDirectoryError } from './go-data-directory-error';
import { GoEventLog } from './go-event-log';
import type { GoApiKey, GoMembership, GoProject, GoUser } from './go-records';
import { tableColumns } from '../read-only-sqlite';
import { openGoSqliteFile } from './go-sqlite-file';

/** The tables td-sync takes over, each with the columns it reads (present in every schema version of the Go server). */
const REQUIRED_COLUMNS: Record<string, string[]> = {
  users: ['id', 'email', 'created_at'],
  api_keys: ['id', 'user_id', 'key_hash', 'key_prefix', 'name', 'scopes', 'expires_at', 'last_used_at', 'created_at'],
  projects: ['id', 'name', 'description', 'created_at', 'updated_at', 'deleted_at'],
  memberships: ['project_id', 'user_id', 'role', 'invited_by', 'created_at'],
};

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
    const server = openGoSqliteFile(serverDb);
    try {
      for (const [table, columns] of Object.entries(REQUIRED_COLUMNS)) {
        const present = new Set(tableColumns(server, table));
        const missing = columns.filter((column) => !present.has(column));
        if (missing.length > 0) {
          throw new GoDataDirectoryError(`${serverDb} is not a Go td-sync server database: table ${table} ${present.size === 0 ? 'is missing' : `lacks ${missing.join(', ')}`}`);
        }
      }
      return new GoDataDirectory(root, server, tableColumns(server, 'users').includes('is_admin'));
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
