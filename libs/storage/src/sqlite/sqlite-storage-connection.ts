import { ProjectDatabases } from '../project-databases';
import { StorageConnection } from '../storage-connection';
import { SqliteServerDatabase } from './sqlite-server-database';

/** The SQLite backend's databases: the server database answers the health probe; shutdown closes the project databases, then it. */
export class SqliteStorageConnection extends StorageConnection {
  constructor(
    private readonly server: SqliteServerDatabase,
    private readonly projects: ProjectDatabases,
  ) {
    super();
  }

  async ping(): Promise<string | undefined> {
    return this.server.ping();
  }

  async close(): Promise<void> {
    try {
      await this.projects.closeAll();
    } finally {
      this.server.close();
    }
  }
}
