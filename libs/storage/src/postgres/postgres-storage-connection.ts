import { StorageConnection } from '../storage-connection';
import type { PostgresDatabase } from './postgres-database';

/** The pool: the health probe runs a query on it; shutdown (after the HTTP server drained) ends it. */
export class PostgresStorageConnection extends StorageConnection {
  constructor(private readonly database: PostgresDatabase) {
    super();
  }

  ping(): Promise<string | undefined> {
    return this.database.ping();
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
