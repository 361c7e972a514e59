/**
 * What the benchmark reads about a server process from Linux's /proc. Every
 * reader answers NaN (or false) where /proc is missing or not readable, so
 * the benchmark still runs elsewhere and prints "-" for those columns.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

/** A field of /proc/<pid>/status in kB (VmRSS: resident now; VmHWM: peak since start or reset). */
export function statusKb(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux 4.0+), so
 * that a peak read later belongs to what ran in between. False where not
 * permitted: the sampled VmRSS maximum is then the only figure.
 */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Open file descriptors now (sockets, database files, pipes, ...). */
export function openFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** The soft limit on open files ("Max open files" in /proc/<pid>/limits). */
export function fdLimit(pid) {
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return match && match[1] !== 'unlimited' ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux port in use). */
const USER_HZ = 100;

/** /proc/<pid>/stat's fields from the third on (after the parenthesised command name); undefined if unreadable. */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU time the process has used so far, user and system, in ms (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuMs(pid) {
  const fields = statFields(pid);
  return fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ : NaN;
}

/**
 * CPU time, user and system, in ms, of the process's children that have
 * ended and been waited for (fields 16 and 17): a helper process that exits
 * during a scenario is counted here.
 */
export function endedChildrenCpuMs(pid) {
  const fields = statFields(pid);
  return fields ? ((Number(fields[13]) + Number(fields[14])) * 1000) / USER_HZ : NaN;
}

/**
 * The process's running children: every thread's /proc/<pid>/task/<tid>/children
 * (Linux 3.5+, where the kernel has CONFIG_PROC_CHILDREN), else the processes
 * whose parent (field 4 of /proc/<n>/stat) it is.
 */
export function childPids(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    try {
      return readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .map(Number)
        .filter((candidate) => Number(statFields(candidate)?.[1]) === pid);
    } catch {
      return [];
    }
  }
}
