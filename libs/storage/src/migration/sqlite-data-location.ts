import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MigrationRefused } from './migration-refused';

/** Where a SQLite deployment keeps its files. */
export interface SqliteDataLocation {
  serverDbPath: string;
  /** Holds `<project-id>/events.db` for every project. */
  projectDataDir: string;
}

/**
 * The files of a SQLite deployment, from what an operator naturally points
 * at: its data directory (`/data`, holding `server.db` and `projects/`, the
 * image's and the defaults' layout) or its `server.db` itself, whose
 * `projects/` is then beside it. `projectDataDir` overrides where the
 * project databases are, for a SYNC_PROJECT_DATA_DIR set elsewhere.
 */
export function locateSqliteData(from: string, projectDataDir?: string): SqliteDataLocation {
  const path = resolve(from);
  if (!existsSync(path)) throw new MigrationRefused(`${from} does not exist: give the SQLite data directory (holding server.db) or the server.db file`);
  const serverDbPath = statSync(path).isDirectory() ? join(path, 'server.db') : path;
  if (!existsSync(serverDbPath) || !statSync(serverDbPath).isFile()) throw new MigrationRefused(`${serverDbPath} does not exist: is ${from} a td-sync data directory?`);
  // Not required to exist: a deployment without projects has none; a project whose file is missing is caught when it is copied.
  return { serverDbPath, projectDataDir: resolve(projectDataDir ?? join(dirname(serverDbPath), 'projects')) };
}
