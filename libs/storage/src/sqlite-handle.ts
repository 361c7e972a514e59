import type { Database, Statement } from 'better-sqlite3';
import type { DataSource } from 'typeorm';

/**
 * The better-sqlite3 connection behind a DataSource (the server database or a
 * project's), for prepared statements on the hot path and for synchronous
 * transactions.
 *
 * TypeORM runs every query of the app on this one connection, so its async
 * transactions are not isolated from other requests: a second
 * `dataSource.transaction()` that starts while the first awaits becomes a
 * savepoint inside it, and unrelated queries land in whichever transaction is
 * open. Changes that read, decide and write (is this the last owner? is the
 * project still live?) therefore run as synchronous better-sqlite3
 * transactions: nothing else can reach the connection between BEGIN and
 * COMMIT, which is what makes those checks race-free. Never open an async
 * TypeORM transaction on the server database.
 */
export function sqliteHandle(dataSource: DataSource): Database {
  return (dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
}

/**
 * A statement prepared once on the DataSource's connection and again only if
 * the connection changes (a re-initialised DataSource), for lookups that run on
 * every request and should not pay for TypeORM's query building.
 */
export function preparedStatement<Params extends unknown[], Row>(dataSource: DataSource, sql: string): () => Statement<Params, Row> {
  let preparedOn: Database | undefined;
  let statement: Statement<Params, Row> | undefined;
  return () => {
    const db = sqliteHandle(dataSource);
    if (db !== preparedOn || !statement) {
      statement = db.prepare<Params, Row>(sql);
      preparedOn = db;
    }
    return statement;
  };
}
