import { StorageConnection } from '../storage-connection';
import type { StorageGauges } from '../storage-gauges';
import type { PostgresDatabase } from './postgres-database';

/** The pool: the health probe runs a query on it, /metrics reads its gauges; shutdown (after the HTTP server drained) ends it. */
export class PostgresStorageConnection extends StorageConnection {
  constructor(private readonly database: PostgresDatabase) {
    super();
  }

  ping(): Promise<string | undefined> {
    return this.database.ping();
  }

  /** The pool's own counts: no query, nothing that can fail. */
  gauges(): StorageGauges {
    const { pool } = this.database;
    return { pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } };
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
