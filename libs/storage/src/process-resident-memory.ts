import { readFileSync } from 'node:fs';

/**
 * The resident memory of process `pid` in bytes (VmRSS, the figure
 * `process.memoryUsage().rss` gives for one's own), read from /proc at the
 * moment of asking; undefined when /proc cannot say: no such process (it
 * ended), or not Linux.
 */
export function residentMemoryBytes(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}
