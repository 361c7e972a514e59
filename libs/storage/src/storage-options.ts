/**
 * What the storage module needs to know, supplied by the app from its
 * configuration (its configuration module provides STORAGE_OPTIONS to
 * everyone; see storageOptionsModule for tests and tools).
 */
export interface StorageOptions {
  serverDbPath: string;
  projectDataDir: string;
  /**
   * At most this many project databases stay open (fewer when the descriptor
   * limit allows fewer); the least recently used closes first.
   */
  maxOpenProjects: number;
  /** The process's descriptor limit as the budget should see it; read from the system when absent (tests set it). */
  descriptorLimit?: number;
  /**
   * PostgreSQL for everything instead of SQLite when present (the SQLite
   * paths are then unused), with any number of nodes on one database.
   */
  database?: PostgresOptions;
}

export interface PostgresOptions {
  /** postgres:// or postgresql://, as node-postgres reads it (`sslmode` included). */
  url: string;
  /** Connections this node keeps at most. */
  poolSize: number;
  /** A start retries a database that does not answer for this long, then fails. */
  connectTimeoutMs: number;
}

export const STORAGE_OPTIONS = Symbol('STORAGE_OPTIONS');
