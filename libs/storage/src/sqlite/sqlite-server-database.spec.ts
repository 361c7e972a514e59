import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_MIGRATIONS, SqliteServerDatabase } from './sqlite-server-database';

describe('SqliteServerDatabase', () => {
  let dir: string;
  let path: string;
  let server: SqliteServerDatabase;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-server-db-'));
    path = join(dir, 'nested', 'server.db');
    server = await SqliteServerDatabase.open(path);
  });
  afterEach(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens its connection with WAL, synchronous=NORMAL, busy_timeout=5000 and foreign_keys=ON', () => {
    const db = server.connection;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('creates the tables by migrations, recorded once however often it is opened', async () => {
    const tables = server.connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['api_keys', 'auth_requests', 'memberships', 'projects', 'users', 'migrations']));
    server.close();
    server = await SqliteServerDatabase.open(path);
    expect(server.connection.prepare('SELECT count(*) FROM migrations').pluck().get()).toBe(SERVER_MIGRATIONS.length);
  });

  it('adds users.disabled_at to a database of the first release, keeping its rows', async () => {
    // Back to the first release's schema: its one migration recorded, no disabled_at.
    server.connection.exec(`DELETE FROM migrations WHERE name = 'UserDisabledAt1765000000000'; ALTER TABLE users DROP COLUMN disabled_at`);
    server.connection.prepare(`INSERT INTO users (id, email, created_at) VALUES ('u_0000000000000001', 'a@example.com', '2026-01-01T00:00:00.000Z')`).run();
    server.close();

    server = await SqliteServerDatabase.open(path);
    expect(server.connection.prepare('SELECT email, disabled_at FROM users').all()).toEqual([{ email: 'a@example.com', disabled_at: null }]);
  });

  it('answers the health ping while open, and says what is wrong once it is not', () => {
    expect(server.ping()).toBeUndefined();
    server.close();
    expect(server.ping()).toBe('server database does not answer');
  });

  it('is unhealthy once its file is replaced under it, since what it writes then is lost at the next start', () => {
    const copy = join(dir, 'copy.db');
    copyFileSync(path, copy);
    renameSync(copy, path);
    expect(server.ping()).toBe('server database file was removed or replaced while open');
  });

  it('checkpoints on close, so the .db file alone is complete, and closes only once', () => {
    server.connection.prepare(`INSERT INTO users (id, email, created_at) VALUES ('u_0000000000000001', 'a@example.com', 'now')`).run();
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    server.close();
    server.close();
    expect(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0).toBe(0);
    const reader = new BetterSqlite3(path, { readonly: true });
    try {
      expect(reader.prepare('SELECT email FROM users').pluck().get()).toBe('a@example.com');
    } finally {
      reader.close();
    }
  });
});
