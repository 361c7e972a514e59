import type { Database, Statement } from 'better-sqlite3';
import { onFirstUse } from './on-first-use';

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
  private readonly begin: Record<TransactionBegin, () => Statement>;
  private readonly commit: () => Statement;
  private readonly rollback: () => Statement;
  private readonly savepoint: () => Statement;
  private readonly release: () => Statement;
  private readonly rollbackToSavepoint: () => Statement;

  constructor(private readonly db: Database) {
    const statement = (sql: string) => onFirstUse(() => db.prepare(sql));
    this.begin = { IMMEDIATE: statement('BEGIN IMMEDIATE'), DEFERRED: statement('BEGIN DEFERRED') };
    this.commit = statement('COMMIT');
    this.rollback = statement('ROLLBACK');
    this.savepoint = statement('SAVEPOINT td_sync');
    this.release = statement('RELEASE td_sync');
    this.rollbackToSavepoint = statement('ROLLBACK TO td_sync');
  }

  run<T>(begin: TransactionBegin, work: () => T): T {
    const nested = this.db.inTransaction;
    (nested ? this.savepoint : this.begin[begin])().run();
    try {
      const result = work();
      (nested ? this.release : this.commit)().run();
      return result;
    } catch (error) {
      // SQLite may have rolled the whole transaction back already (a full disk, say): then there is nothing to undo.
      if (this.db.inTransaction) {
        if (nested) {
          this.rollbackToSavepoint().run();
          this.release().run();
        } else {
          this.rollback().run();
        }
      }
      throw error;
    }
  }
}
