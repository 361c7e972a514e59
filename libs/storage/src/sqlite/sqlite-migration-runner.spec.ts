import BetterSqlite3, { Database } from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { runMigrations } from './sqlite-migration-runner';
import { SERVER_MIGRATIONS } from './sqlite-server-database';

/** TypeORM migrating a file, as the previous release did at every start. */
async function typeormMigrate(path: string, run: boolean): Promise<boolean> {
  const source = new DataSource({ type: 'better-sqlite3', database: path, migrations: SERVER_MIGRATIONS, migrationsRun: run, logging: false });
  await source.initialize();
  try {
    return await source.showMigrations(); // whether any is still pending
  } finally {
    await source.destroy();
  }
}

class CreatesThenFails1700000000001 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE TABLE half_done (x)');
    await db.query('INSERT INTO no_such_table VALUES (1)');
  }
  async down(): Promise<void> {}
}

class AsksForMore1700000000002 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE TABLE fine (x)');
    await db.dropTable('fine');
  }
  async down(): Promise<void> {}
}

describe('runMigrations (the server database, without TypeORM)', () => {
  let dir: string;
  let path: string;
  let db: Database | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-migrations-'));
    path = join(dir, 'server.db');
  });
  afterEach(() => {
    db?.close();
    db = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** What TypeORM records for every server migration: its timestamp and its name. */
  const allRecorded = SERVER_MIGRATIONS.map((migration) => {
    const name = new migration().name ?? migration.name;
    return [Number(name.slice(-13)), name];
  });
  const tables = (database: Database) => database.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
  const record = (database: Database) => database.prepare('SELECT timestamp, name FROM migrations ORDER BY id').raw().all();

  it('runs pending migrations once and records them as TypeORM does, so TypeORM finds nothing pending', async () => {
    db = new BetterSqlite3(path);
    expect(await runMigrations(db, SERVER_MIGRATIONS)).toEqual(allRecorded.map(([, name]) => name));
    expect(await runMigrations(db, SERVER_MIGRATIONS)).toEqual([]);
    expect(record(db)).toEqual(allRecorded);
    expect(allRecorded.length).toBeGreaterThanOrEqual(2);
    db.close();
    db = undefined;
    expect(await typeormMigrate(path, false)).toBe(false);
  });

  it('runs only what is pending on a database an older release left behind', async () => {
    db = new BetterSqlite3(path);
    await runMigrations(db, SERVER_MIGRATIONS.slice(0, 1));
    expect(await runMigrations(db, SERVER_MIGRATIONS)).toEqual(allRecorded.slice(1).map(([, name]) => name));
    expect(record(db)).toEqual(allRecorded);
    expect(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('users')).toContain('disabled_at');
  });

  it('takes a database TypeORM migrated (the previous release) as it is', async () => {
    await typeormMigrate(path, true);
    db = new BetterSqlite3(path);
    const before = tables(db);
    expect(await runMigrations(db, SERVER_MIGRATIONS)).toEqual([]);
    expect(tables(db)).toEqual(before);
    expect(record(db)).toEqual(allRecorded);
  });

  it('leaves the database as it was when a migration fails', async () => {
    db = new BetterSqlite3(path);
    const outcome = await runMigrations(db, [...SERVER_MIGRATIONS, CreatesThenFails1700000000001]).then((ran) => ({ ran, tables: tables(db!), record: record(db!) }), (e: Error) => e.message);
    expect(outcome).toMatch(/no_such_table/);
    expect(db.inTransaction).toBe(false);
    expect(tables(db)).toEqual(['migrations', 'sqlite_sequence']);
    expect(record(db)).toEqual([]);
  });

  it('refuses a migration that needs more of TypeORM than query(), naming what it asked for', async () => {
    db = new BetterSqlite3(path);
    await expect(runMigrations(db, [AsksForMore1700000000002])).rejects.toThrow('may only call queryRunner.query(), not dropTable');
    expect(tables(db)).toEqual(['migrations', 'sqlite_sequence']);
  });
});
