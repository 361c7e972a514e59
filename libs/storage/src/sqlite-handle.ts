import type { Database } from 'better-sqlite3';
import type { DataSource } from 'typeorm';

/**
 * The better-sqlite3 connection behind a project database's TypeORM
 * DataSource (ProjectDatabases), for the event log's prepared statements.
 * It reads a private TypeORM field; it goes once ProjectDatabases opens its
 * databases with better-sqlite3 directly, as the server database already is.
 */
export function sqliteHandle(dataSource: DataSource): Database {
  return (dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
}
