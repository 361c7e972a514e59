import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { checkpointTruncate } from './sqlite-pragmas';

/**
 * Checkpoints the server database with TRUNCATE at shutdown. Nest runs this
 * after the HTTP server has drained, and TypeOrmModule closes the DataSource.
 */
@Injectable()
export class ServerDatabaseCheckpoint implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  onApplicationShutdown(): void {
    if (!this.dataSource.isInitialized) return;
    const db = (this.dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
    if (db.open) checkpointTruncate(db);
  }
}
