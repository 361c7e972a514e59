import type { Database } from 'better-sqlite3';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TypeORM's record of the migrations it ran, exactly as its better-sqlite3
 * driver creates it, so that a release that still migrates with TypeORM (the
 * previous one, after a rollback) reads this record the same way.
 */
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "migrations" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "timestamp" bigint NOT NULL, "name" varchar NOT NULL)`;

export type MigrationClass = new () => MigrationInterface;

/**
 * Runs the pending TypeORM-style migrations of the server database on a plain
 * better-sqlite3 connection, keeping TypeORM's bookkeeping: a migration is
 * pending while its name is not in the `migrations` table, and each one run is
 * recorded there with the timestamp its name ends with. Loading TypeORM to do
 * this would keep its 350 modules (about 13 MB) resident for the life of the
 * process; this needs none of them.
 *
 * Like TypeORM's default, all pending migrations run in one transaction, here
 * an IMMEDIATE one that re-reads the record first, so two processes starting
 * on one file cannot both run a migration; any failure leaves the database as
 * it was. A migration gets a QueryRunner that only offers `query(sql,
 * parameters?)` (one statement per call), which is all the server's
 * migrations use; anything else fails the start naming what was asked for.
 * Returns the names of the migrations it ran.
 */
export async function runMigrations(db: Database, migrations: readonly MigrationClass[]): Promise<string[]> {
  db.exec(MIGRATIONS_TABLE);
  const applied = () => new Set(db.prepare('SELECT name FROM migrations').pluck().all() as string[]);
  if (migrations.every((migration) => applied().has(nameOf(new migration())))) return [];

  const queryRunner = queryOnlyRunner(db);
  const record = db.prepare('INSERT INTO "migrations" ("timestamp", "name") VALUES (?, ?)');
  const ran: string[] = [];
  db.exec('BEGIN IMMEDIATE');
  try {
    const done = applied(); // another process may have migrated meanwhile
    for (const Migration of migrations) {
      const migration = new Migration();
      const name = nameOf(migration);
      if (done.has(name)) continue;
      await migration.up(queryRunner);
      record.run(timestampOf(name), name);
      ran.push(name);
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
  return ran;
}

function nameOf(migration: MigrationInterface): string {
  return migration.name ?? migration.constructor.name;
}

/** TypeORM's rule: a migration's name ends with its 13-digit timestamp. */
function timestampOf(name: string): number {
  const timestamp = Number(name.slice(-13));
  if (!/\d{13}$/.test(name) || !Number.isSafeInteger(timestamp)) throw new Error(`migration ${name} does not end with a 13-digit timestamp`);
  return timestamp;
}

function queryOnlyRunner(db: Database): QueryRunner {
  const query = async (sql: string, parameters: unknown[] = []): Promise<unknown> => {
    const statement = db.prepare(sql);
    if (statement.reader) return statement.all(parameters);
    statement.run(parameters);
    return undefined;
  };
  return new Proxy({} as QueryRunner, {
    get(_target, property) {
      if (property === 'query') return query;
      throw new Error(`server database migrations may only call queryRunner.query(), not ${String(property)}`);
    },
  });
}
