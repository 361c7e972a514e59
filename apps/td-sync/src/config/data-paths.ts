import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigValidationError } from './config-validation-error';
import type { SyncConfig } from './sync-config';

/**
 * Checks, before anything is opened, that the server can write where its
 * data lives: the server database's directory (SQLite writes its -wal and
 * -shm beside the file) and the file itself if it exists, and the project
 * data directory, creating the directories if they are missing. A path it
 * cannot use stops the start at once with one line naming the variable,
 * rather than a server that starts "healthy" and fails every project
 * creation, or a stack trace that names no setting. With PostgreSQL
 * (SYNC_DATABASE_URL) these paths are not used, and not checked.
 */
export function checkDataPaths(config: SyncConfig): void {
  if (config.databaseUrl !== undefined) return;
  const fail = (variable: string, value: string, reason: string) => {
    const error = new ConfigValidationError(variable, value, `a path td-sync can create and write files in (${reason})`);
    error.logFormat = config.logFormat;
    return error;
  };
  const dbProblem = directoryProblem(dirname(resolve(config.serverDbPath))) ?? existingFileProblem(config.serverDbPath);
  if (dbProblem) throw fail('SYNC_SERVER_DB_PATH', config.serverDbPath, dbProblem);
  const dirProblem = directoryProblem(resolve(config.projectDataDir));
  if (dirProblem) throw fail('SYNC_PROJECT_DATA_DIR', config.projectDataDir, dirProblem);
}

/** Why files cannot be created in `dir` (made first if missing), or undefined. */
function directoryProblem(dir: string): string | undefined {
  try {
    makeDirectories(dir);
    if (!statSync(dir).isDirectory()) return 'not a directory';
    const probe = join(dir, `.td-sync-write-check-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
    return undefined;
  } catch (error) {
    return describe(error);
  }
}

/** Why an existing file at `path` cannot be opened for reading and writing, or undefined (also when there is none yet). */
function existingFileProblem(path: string): string | undefined {
  try {
    if (!existsSync(path)) return undefined;
    if (!statSync(path).isFile()) return 'not a regular file';
    closeSync(openSync(path, 'r+'));
    return undefined;
  } catch (error) {
    return describe(error);
  }
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir loops forever
 * where a parent exists but refuses children (under /proc, say).
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at); at = dirname(at)) {
    missing.push(at);
    if (dirname(at) === at) break;
  }
  for (const path of missing.reverse()) mkdirSync(path);
}

/** Node's message: the code, what it means, the call and the path, on one line. */
function describe(error: unknown): string {
  return (error as Error).message.split('\n', 1)[0];
}
