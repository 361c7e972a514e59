/**
 * An open project database holds three descriptors: the database file, its
 * -wal and its -shm. (Checkpoints run in another process, so they add none
 * here; see WalCheckpointer.)
 */
export const DESCRIPTORS_PER_PROJECT_DATABASE = 3;

/**
 * Descriptors always left to everything else: stdio, the event loop's own,
 * the server database (three), the log destination, the checkpoint process's
 * channel, files opened in passing, and above all client sockets, one per
 * connection.
 */
export const MIN_DESCRIPTOR_RESERVE = 96;

export interface ProjectDatabaseBudget {
  /** How many project databases may be open at once. */
  capacity: number;
  /** Descriptors left to everything else. */
  reserve: number;
  /** What bounded the capacity: the descriptor limit, or SYNC_MAX_OPEN_PROJECTS. */
  boundBy: 'descriptors' | 'maxOpenProjects';
}

/**
 * Sizes the open-project cache from the process's descriptor limit: a quarter
 * of the limit (at least MIN_DESCRIPTOR_RESERVE) stays free for sockets and
 * the rest, and the remainder holds project databases at three descriptors
 * each, up to `maxOpenProjects` (SYNC_MAX_OPEN_PROJECTS), which caps the
 * memory the open databases take. At the common soft limit of 1024 that is
 * 256 databases (the default cap, 64, is lower); at `ulimit -n 256`, 53. Always at least
 * one: a request for a project needs its database open.
 */
export function projectDatabaseBudget(descriptorLimit: number, maxOpenProjects: number): ProjectDatabaseBudget {
  const reserve = Math.max(MIN_DESCRIPTOR_RESERVE, Math.ceil(descriptorLimit / 4));
  const byDescriptors = Math.max(1, Math.floor((descriptorLimit - reserve) / DESCRIPTORS_PER_PROJECT_DATABASE));
  return byDescriptors < maxOpenProjects
    ? { capacity: byDescriptors, reserve, boundBy: 'descriptors' }
    : { capacity: maxOpenProjects, reserve, boundBy: 'maxOpenProjects' };
}
