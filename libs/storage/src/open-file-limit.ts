import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Used when the limit cannot be read: the common Linux default soft limit. */
export const FALLBACK_OPEN_FILE_LIMIT = 1024;

export interface OpenFileLimit {
  /** How many descriptors this process may have open (the RLIMIT_NOFILE soft limit). */
  descriptors: number;
  /** Where the number came from, for the start-up log line. */
  source: '/proc/self/limits' | 'ulimit -n' | 'fallback' | 'storage options';
}

/**
 * The process's RLIMIT_NOFILE soft limit. Node raises the soft limit to the
 * hard one when it starts, so this is read from the running process, not
 * from the shell that started it: Linux says it in /proc/self/limits; other
 * systems through `ulimit -n` in a child shell, which inherits the limit.
 * "unlimited" is read as the largest safe integer.
 */
export function readOpenFileLimit(): OpenFileLimit {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line ? parseLimit(line.slice('Max open files'.length).trim().split(/\s+/)[0]) : undefined;
    if (soft !== undefined) return { descriptors: soft, source: '/proc/self/limits' };
  } catch {
    // Not Linux: ask a shell.
  }
  try {
    const soft = parseLimit(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    if (soft !== undefined) return { descriptors: soft, source: 'ulimit -n' };
  } catch {
    // No shell (Windows, say).
  }
  return { descriptors: FALLBACK_OPEN_FILE_LIMIT, source: 'fallback' };
}

function parseLimit(text: string): number | undefined {
  if (text === 'unlimited') return Number.MAX_SAFE_INTEGER;
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
