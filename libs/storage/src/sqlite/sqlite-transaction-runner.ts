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
 * This compiles each statement the first time the connection uses it.
 */
export class SqliteTransactionRunner {
  /**
   * The statements compiled so far, by their SQL. One small object per
   * connection rather than a closure per statement: a project database that
   * churns through the open-database cache left those closures in V8's old
   * space with the rest of its objects (docs/performance.md, Many projects).
   */
  private readonly prepared: Partial<Record<TransactionSql, Statement>> = {};

  constructor(private readonly db: Database) {}

  run<T>(begin: TransactionBegin, work: () => T): T {
    const nested = this.db.inTransaction;
    this.statement(nested ? 'SAVEPOINT td_sync' : BEGIN_SQL[begin]).run();
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

  private statement(sql: TransactionSql): Statement {
    return (this.prepared[sql] ??= this.db.prepare(sql));
  }
}

const BEGIN_SQL = { IMMEDIATE: 'BEGIN IMMEDIATE', DEFERRED: 'BEGIN DEFERRED' } as const;

/** Every statement a transaction may need. */
type TransactionSql = (typeof BEGIN_SQL)[TransactionBegin] | 'COMMIT' | 'ROLLBACK' | 'SAVEPOINT td_sync' | 'RELEASE td_sync' | 'ROLLBACK TO td_sync';
