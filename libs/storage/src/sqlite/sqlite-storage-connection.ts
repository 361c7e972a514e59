import { ProjectDatabases } from '../project-databases';
import { StorageConnection } from '../storage-connection';
import type { StorageGauges } from '../storage-gauges';
import { SqliteServerDatabase } from './sqlite-server-database';

/** The SQLite backend's databases: the server database answers the health probe; shutdown closes the project databases, then it. */
export class SqliteStorageConnection extends StorageConnection {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: SqliteServerDatabase,
    private readonly projects: ProjectDatabases,
  ) {
    super();
  }

  async ping(): Promise<string | undefined> {
    return this.server.ping();
  }

  gauges(): StorageGauges {
    return {
      openProjectDatabases: this.projects.openCount,
      projectDatabaseCapacity: this.projects.capacity,
      descriptorLimit: this.projects.descriptorLimit,
      checkpointProcessId: this.projects.checkpointProcessId,
    };
  }

  close(): Promise<void> {
    this.closing ??= this.closeBoth();
    return this.closing;
  }

  private async closeBoth(): Promise<void> {
    try {
      await this.projects.closeAll();
    } finally {
      this.server.close();
    }
  }
}
