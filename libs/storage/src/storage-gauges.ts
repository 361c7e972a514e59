/**
 * What a backend reports about its connections at a moment, for /metrics
 * (read at each scrape, so it costs nothing between scrapes). Each backend
 * fills in what it has: SQLite its open project databases, a backend with a
 * connection pool the pool's connections.
 */
export interface StorageGauges {
  /** SQLite: project event databases open now (at most projectDatabaseCapacity). */
  openProjectDatabases?: number;
  /**
   * SQLite: how many may be open at once, the budget derived at start from
   * the descriptor limit (`descriptorLimit`), capped by SYNC_MAX_OPEN_PROJECTS.
   */
  projectDatabaseCapacity?: number;
  descriptorLimit?: number;
  /**
   * SQLite: the pid of the checkpoint process (WalCheckpointer) while it
   * runs, whose memory a container or pod counts along with the server's.
   */
  checkpointProcessId?: number;
  /** A pooled backend (PostgreSQL): its pool now. */
  pool?: PoolGauges;
}

export interface PoolGauges {
  /** Connections open, idle and busy. */
  total: number;
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
}
