import type { Database } from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startTestServer, TestServer } from './support/test-server';

describe('server database', () => {
  let server: TestServer;
  const nestedRoot = mkdtempSync(join(tmpdir(), 'td-sync-nested-'));

  beforeAll(async () => {
    // A nested path that does not exist yet: parent directories are created.
    server = await startTestServer({ SYNC_SERVER_DB_PATH: join(nestedRoot, 'a', 'b', 'server.db') });
  });
  afterAll(async () => {
    await server.close();
    rmSync(nestedRoot, { recursive: true, force: true });
  });

  const handle = () => (server.app.get(DataSource).driver as unknown as { databaseConnection: Database }).databaseConnection;

  it('is created with its parent directories', () => {
    expect(existsSync(handle().name)).toBe(true);
  });

  it('runs with WAL, synchronous=NORMAL, busy_timeout=5000 and foreign_keys=ON', () => {
    const db = handle();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('has the PROTOCOL.md tables, made by migrations', () => {
    const tables = handle().prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['api_keys', 'auth_requests', 'memberships', 'projects', 'users']));
    expect(tables).toContain('migrations');
    expect(handle().prepare('SELECT count(*) FROM migrations').pluck().get()).toBeGreaterThan(0);
  });
});
