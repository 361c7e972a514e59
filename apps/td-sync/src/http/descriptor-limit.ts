import { readFileSync } from 'node:fs';

/** Used when the limit cannot be read: the common Linux default soft limit. */
const FALLBACK_DESCRIPTOR_LIMIT = 1024;

/** The most connections the derived default allows, whatever the descriptor limit: idle connections cost memory too. */
const MAX_DERIVED_CONNECTIONS = 1024;

/**
 * The process's RLIMIT_NOFILE soft limit, as Linux reports it in
 * /proc/self/limits (Node raises the soft limit to the hard one at start, so
 * it is read from the running process); 1024 where it cannot be read.
 */
export function readDescriptorLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === 'unlimited') return Number.MAX_SAFE_INTEGER;
    if (soft !== undefined && /^\d+$/.test(soft)) return Number(soft);
  } catch {
    // Not Linux.
  }
  return FALLBACK_DESCRIPTOR_LIMIT;
}

/**
 * The default connection cap for a descriptor limit: the project-database
 * cache leaves a quarter of the descriptors (at least 96) to everything else,
 * and sockets may take all of that but 32, kept for stdio, the server
 * database, logs and files opened in passing; never fewer than 32, and never
 * more than 1024. At the common soft limit of 1024: 224 connections.
 */
export function connectionLimitFor(descriptorLimit: number): number {
  const reserve = Math.max(96, Math.ceil(descriptorLimit / 4));
  return Math.min(MAX_DERIVED_CONNECTIONS, Math.max(32, reserve - 32));
}
