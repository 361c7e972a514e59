import Database from 'better-sqlite3';
import { SqliteTransactionRunner } from './sqlite-transaction-runner';

describe('SqliteTransactionRunner', () => {
  let db: Database.Database;
  let runner: SqliteTransactionRunner;
  const rows = () => db.prepare('SELECT v FROM t ORDER BY v').pluck().all();
  const insert = (v: number) => db.prepare('INSERT INTO t (v) VALUES (?)').run(v);

  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE t (v INTEGER)');
    runner = new SqliteTransactionRunner(db);
  });
  afterEach(() => db.close());

  it('commits what the work did when it returns, and answers with its result', () => {
    expect(runner.run('IMMEDIATE', () => (insert(1), 'done'))).toBe('done');
    expect(db.inTransaction).toBe(false);
    expect(rows()).toEqual([1]);
  });

  it('rolls everything back when the work throws, and throws its error', () => {
    const failure = new Error('refused');
    expect(() =>
      runner.run('IMMEDIATE', () => {
        insert(1);
        throw failure;
      }),
    ).toThrow(failure);
    expect(db.inTransaction).toBe(false);
    expect(rows()).toEqual([]);
  });

  it('runs work inside an open transaction in a savepoint: a failure undoes that work alone', () => {
    runner.run('IMMEDIATE', () => {
      runner.run('IMMEDIATE', () => insert(1));
      expect(() =>
        runner.run('IMMEDIATE', () => {
          insert(2);
          throw new Error('this one only');
        }),
      ).toThrow('this one only');
      runner.run('IMMEDIATE', () => insert(3));
    });
    expect(rows()).toEqual([1, 3]);
  });

  it('reads in one snapshot with DEFERRED, and leaves nothing open', () => {
    insert(7);
    expect(runner.run('DEFERRED', () => rows())).toEqual([7]);
    expect(db.inTransaction).toBe(false);
  });

  it('rethrows without undoing when SQLite has already ended the transaction', () => {
    expect(() =>
      runner.run('IMMEDIATE', () => {
        insert(1);
        db.exec('ROLLBACK'); // as SQLite does itself on a full disk
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(db.inTransaction).toBe(false);
    expect(rows()).toEqual([]);
  });

  it('compiles each statement it uses once, and none it does not use (db.transaction() compiles nine per connection)', () => {
    const prepared = jest.spyOn(db, 'prepare');
    try {
      for (let i = 0; i < 3; i++) runner.run('IMMEDIATE', () => undefined);
      const control = () => prepared.mock.calls.map(([sql]) => sql).filter((sql) => /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/.test(sql));
      expect(control()).toEqual(['BEGIN IMMEDIATE', 'COMMIT']);
      runner.run('IMMEDIATE', () => runner.run('IMMEDIATE', () => undefined));
      expect(control()).toEqual(['BEGIN IMMEDIATE', 'COMMIT', 'SAVEPOINT td_sync', 'RELEASE td_sync']);
    } finally {
      prepared.mockRestore();
    }
  });
});
