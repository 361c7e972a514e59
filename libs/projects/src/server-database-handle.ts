import type { Database } from 'better-sqlite3';
import type { DataSource } from 'typeorm';

/**
 * The better-sqlite3 connection behind the server DataSource.
 *
 * TypeORM runs every query of the app on this one connection, so its async
 * transactions are not isolated from other requests: a second
 * `dataSource.transaction()` that starts while the first awaits becomes a
 * savepoint inside it, and unrelated queries land in whichever transaction is
 * open. Changes that read, decide and write (is this the last owner? is the
 * project still live?) therefore run as synchronous better-sqlite3
 * transactions: nothing else can reach the connection between BEGIN and
 * COMMIT, which is what makes those checks race-free.
 */
export function serverDatabaseHandle(dataSource: DataSource): Database {
  return (dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
}
