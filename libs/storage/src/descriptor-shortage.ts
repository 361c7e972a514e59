import { closeSync, openSync } from 'node:fs';
import { devNull } from 'node:os';
import { DESCRIPTORS_PER_PROJECT_DATABASE } from './project-database-budget';

const OUT_OF_DESCRIPTORS = new Set(['EMFILE', 'ENFILE']);

/** Opening a project database failed because the process (or the system) is out of file descriptors. */
export class DescriptorShortageError extends Error {
  constructor(cause: unknown) {
    super(`out of file descriptors: ${(cause as Error).message}`, { cause });
    this.name = 'DescriptorShortageError';
  }
}

/**
 * Whether `error`, just thrown by a synchronous open, came from the process
 * (EMFILE) or the system (ENFILE) running out of file descriptors.
 *
 * Node's file system calls say so in `code`. SQLite does not: a database,
 * -wal or -shm it cannot open is SQLITE_CANTOPEN (or an I/O error) whatever
 * the cause, and better-sqlite3 does not pass on the errno. So for those the
 * question is put to the system directly: can this process open as many files
 * as a project database needs, right now? Asked in the same synchronous run
 * as the failed open, before anything it opened is closed, a "no" means the
 * open failed for want of descriptors, and a "yes" that it failed for another
 * reason (a missing or unwritable file), which no retry would cure.
 */
export function isDescriptorShortage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (OUT_OF_DESCRIPTORS.has(code)) return true;
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_IOERR')) return !canOpenFiles(DESCRIPTORS_PER_PROJECT_DATABASE);
  return false;
}

function canOpenFiles(count: number): boolean {
  const opened: number[] = [];
  try {
    for (let i = 0; i < count; i++) opened.push(openSync(devNull, 'r'));
    return true;
  } catch (error) {
    // Only running out says anything about descriptors; no /dev/null to open does not.
    return !OUT_OF_DESCRIPTORS.has((error as NodeJS.ErrnoException).code ?? '');
  } finally {
    for (const fd of opened) closeSync(fd);
  }
}
