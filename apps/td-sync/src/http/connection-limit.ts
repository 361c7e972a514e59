/** The most connections the derived default allows, whatever the descriptor limit: idle connections cost memory too. */
const MAX_DERIVED_CONNECTIONS = 1024;

/** Descriptors of the reserve kept for what is not a socket: stdio, the server database, logs, files opened in passing. */
const NON_SOCKET_DESCRIPTORS = 32;

/**
 * The default connection cap: the descriptors the project-database cache
 * leaves to everything else (storage's projectDatabaseBudget: a quarter of
 * the limit, at least 96), less 32 for what is not a socket; never fewer than
 * 32, never more than 1024. At the common soft limit of 1024: 224.
 */
export function connectionLimitFor(descriptorReserve: number): number {
  return Math.min(MAX_DERIVED_CONNECTIONS, Math.max(32, descriptorReserve - NON_SOCKET_DESCRIPTORS));
}
