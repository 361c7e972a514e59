import { rmdirSync, unlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Every file SQLite keeps beside a project's events.db, and the file itself. */
const DATABASE_FILES = ['events.db', 'events.db-wal', 'events.db-shm', 'events.db-journal'];

/**
 * Deletes a project's directory and its database files. It takes no file
 * descriptor (unlink and rmdir of known names, no directory listing), so it
 * works when the process has run out of them, which is exactly when a
 * creation fails and must leave nothing behind. Only a directory holding
 * something else as well (an operator's backup, say) is listed and deleted
 * recursively. A directory that is not there is fine.
 */
export async function removeProjectDirectory(dir: string): Promise<void> {
  for (const name of DATABASE_FILES) {
    try {
      unlinkSync(join(dir, name));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    }
  }
  try {
    rmdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    await rm(dir, { recursive: true, force: true });
  }
}
