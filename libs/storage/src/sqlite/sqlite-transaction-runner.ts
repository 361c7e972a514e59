import type { Database, Statement } from 'better-sqlite3';

/** How a transaction begins: IMMEDIATE takes the write lock at once; DEFERRED reads in one snapshot. */
export type TransactionBegin = 'IMMEDIATE' | 'DEFERRED';

/**
 * Runs work in a transaction of one connection, as better-sqlite3's
 * transaction functions do: begun before the work, committed when it
 * returns, rolled back when it throws; inside a transaction already open, in
 * a savepoint instead (released, or rolled back to and released).
 *
 * Why not `db.transaction()`: on its first call for a connection it prepares
 * nine statements (BEGIN in four modes, COMMIT, ROLLBACK and three for
 * savepoints), and each call builds four wrapper functions with five
 * properties each. A project database opened for one small push paid for all
 * of that, and it lived as long as the connection, long enough to reach V8's
 * old space and wait there for a full collection once the connection closed.
 * This prepares the statements a connection actually uses, when it first
 * uses them.
 */
export class SqliteTransactionRunner {
  private readonly compiled = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  run<T>(begin: TransactionBegin, work: () => T): T {
    const nested = this.db.inTransaction;
    this.statement(nested ? 'SAVEPOINT td_sync' : begin === 'IMMEDIATE' ? 'BEGIN IMMEDIATE' : 'BEGIN DEFERRED').run();
    try {
      const result = work();
      this.statement(nested ? 'RELEASE td_sync' : 'COMMIT').run();
      return result;
    } catch (error) {
      // SQLite may have rolled the whole transaction back already (a full disk, say): then there is nothing to undo.
      if (this.db.inTransaction) {
        if (nested) {
          this.statement('ROLLBACK TO td_sync').run();
          this.statement('RELEASE td_sync').run();
        } else {
          this.statement('ROLLBACK').run();
        }
      }
      throw error;
    }
  }

  private statement(sql: string): Statement {
    let statement = this.compiled.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.compiled.set(sql, statement);
    }
    return statement;
  }
}
