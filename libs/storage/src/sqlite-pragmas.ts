import type { Database } from 'better-sqlite3';

/**
 * The pragmas every td-sync database runs with, server and project alike
 * (PROTOCOL.md, Server storage). WAL lets pulls read while a push writes;
 * synchronous=NORMAL is durable across process crashes in WAL mode and only a
 * power loss can drop the last commits; busy_timeout covers the moments when
 * Litestream or a checkpoint holds a lock.
 *
 * cache_size: better-sqlite3 builds SQLite with a 16 MB page cache per
 * connection; SQLite's own default of 2 MB (-2000 KiB) is kept instead. Every
 * project database has a connection, so a busy one would otherwise hold up to
 * 16 MB of resident memory for pages the kernel's file cache holds anyway:
 * appends touch the last pages of the table and its index, and a pull reads
 * each page once. Project databases, of which many are open at once, keep
 * less still (PROJECT_CACHE_KIB).
 */
export const SQLITE_PRAGMAS = {
  journal_mode: 'wal',
  synchronous: 1, // NORMAL
  busy_timeout: 5000,
  foreign_keys: 1,
  cache_size: -2000,
} as const;

/** SQLITE_PRAGMAS as one script: one call into SQLite instead of one prepared statement per pragma. */
export const SQLITE_PRAGMAS_SQL = Object.entries(SQLITE_PRAGMAS)
  .map(([name, value]) => `PRAGMA ${name} = ${value};`)
  .join(' ');

export function applyPragmas(db: Database): void {
  db.exec(SQLITE_PRAGMAS_SQL);
}

/**
 * Folds the WAL back into the main file and empties it, so a copy of the `.db`
 * alone is complete. It never waits: a reader that does not let go (Litestream
 * holds a read transaction for as long as it replicates) would otherwise make
 * every close block the event loop for the whole busy_timeout. When a reader is
 * in the way the checkpoint does what it can and the rest of the WAL stays for
 * Litestream or the next open; returns whether it completed.
 *
 * Only for shutdown (PROTOCOL.md): it syncs the files, milliseconds each.
 */
export function checkpointTruncate(db: Database): boolean {
  db.pragma('busy_timeout = 0');
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    return result?.busy === 0;
  } finally {
    db.pragma(`busy_timeout = ${SQLITE_PRAGMAS.busy_timeout}`);
  }
}
