import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { sqliteHandle } from './sqlite-handle';
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
    const db = sqliteHandle(this.dataSource);
    if (db.open) checkpointTruncate(db);
  }
}
