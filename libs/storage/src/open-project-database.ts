import BetterSqlite3, { Database } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DescriptorShortageError, isDescriptorShortage } from './descriptor-shortage';
import { migrateProjectSchema } from './project-migrations/project-schema';
import { removeProjectDirectory } from './project-directory';
import { SQLITE_PRAGMAS, SQLITE_PRAGMAS_SQL } from './sqlite-pragmas';

/**
 * The page size of a project database made from now on (one made before keeps
 * its own: in WAL mode SQLite fixes it when the file is created). Events are
 * rows of about 700 bytes appended in runs; pages of 8 KiB instead of SQLite's
 * default 4 KiB hold twice as many, so a 1000-event push splits and balances
 * half as many pages, and its commit and the checkpoint that copies it back
 * write half as many WAL frames. Larger pages cost small commits: every
 * commit writes each page it touched whole (a single-event push touches
 * four). Measured (docs/performance.md, 1000-event pushes): 8 KiB took about
 * as much off large pushes as 16 KiB did, without 16 KiB's cost to
 * single-event pushes and its memory per open database.
 */
export const PROJECT_PAGE_SIZE = 8192;

/**
 * SQLite's own checkpoint runs inside the commit that crosses this many WAL
 * pages (80 MB at 8 KiB pages, 40 MB in a database made with 4 KiB). The
 * WalCheckpointer normally keeps the WAL far below it, off the event loop;
 * this is only the safety net should it fall behind.
 */
export const AUTOCHECKPOINT_SAFETY_NET_PAGES = 10_000;

/**
 * temp_store = MEMORY: a push in a group commit runs in a savepoint (see
 * SqliteEventLog.appendAll), and SQLite keeps the pages it would restore in a
 * rollback journal of its own, written to a temporary file once it passes
 * 64 KiB. Kept in memory instead, that is about 0.7 ms less CPU per grouped 1000-event push; it holds only
 * pages that existed before the savepoint and are changed in it (new rows go
 * to new pages), and it is gone at the commit. Nothing durable is in it.
 */
/**
 * The page cache of a project database's connection, in KiB (32 pages of
 * 8 KiB): a tenth of the 2 MB every other SQLite connection of the server
 * keeps (SQLITE_PRAGMAS). The server keeps up to SYNC_MAX_OPEN_PROJECTS of
 * them open, and a busy project's cache fills with the pages its pushes
 * wrote and its pulls read: with 2 MB each, 64 projects receiving small
 * pushes in turn held the server at 247-255 MB, 133-138 with this, at the
 * same throughput (docs/performance.md, Memory). What a connection reads
 * again is the B-trees' upper pages and the last leaves appends go to, a
 * few pages per tree; everything else is read once (a pull walks a range,
 * a push appends), and the kernel keeps the file cached anyway. A larger
 * transaction (a 1000-event push, a group commit) writes its pages out to
 * the WAL as the cache fills rather than growing it, which SQLite does for
 * any transaction larger than its cache; measured, it cost 1000-event pushes
 * nothing either.
 */
export const PROJECT_CACHE_KIB = 256;

const OPEN_SQL = `PRAGMA page_size = ${PROJECT_PAGE_SIZE}; ${SQLITE_PRAGMAS_SQL} PRAGMA cache_size = -${PROJECT_CACHE_KIB}; PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_SAFETY_NET_PAGES}; PRAGMA temp_store = MEMORY;`;

/**
 * Opens a project's event database with plain better-sqlite3: the pragmas in
 * one call, then the schema version (one `PRAGMA user_version` read; the
 * schema is only touched when it is behind). Setting journal_mode reads the
 * header, which opens the -wal and -shm files too, so an open that succeeds
 * holds every descriptor the handle will ever need.
 *
 * `existing`: the file must be there. `create`: makes the directory and the
 * database if missing; if this call made the directory and anything fails, it
 * deletes it again before throwing, so a failed creation leaves nothing
 * behind (see removeProjectDirectory, which needs no descriptor for that).
 * A failure for want of file descriptors is thrown as DescriptorShortageError,
 * for the caller to free some and try again.
 */
export async function openProjectDatabase(path: string, mode: 'existing' | 'create'): Promise<Database> {
  const dir = dirname(path);
  let madeDirectory = false;
  let db: Database | undefined;
  try {
    madeDirectory = mode === 'create' && mkdirSync(dir, { recursive: true }) !== undefined;
    db = new BetterSqlite3(path, { fileMustExist: mode === 'existing', timeout: SQLITE_PRAGMAS.busy_timeout });
    db.exec(OPEN_SQL);
    migrateProjectSchema(db);
    return db;
  } catch (error) {
    // Asked before anything is closed (see isDescriptorShortage).
    const shortage = isDescriptorShortage(error);
    db?.close();
    if (madeDirectory) await removeProjectDirectory(dir);
    throw shortage ? new DescriptorShortageError(error) : error;
  }
}
