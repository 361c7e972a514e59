import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDatabase } from './support/database-files';
import { startTestServer, TestServer } from './support/test-server';

/**
 * PROTOCOL.md, Server storage, as seen from the file. The pragmas that live on
 * the server's own connection (synchronous, busy_timeout, foreign_keys) are
 * checked where that connection is: libs/storage/src/sqlite/sqlite-server-database.spec.ts.
 */
describe('server database', () => {
  let server: TestServer;
  const nestedRoot = mkdtempSync(join(tmpdir(), 'td-sync-nested-'));
  const path = join(nestedRoot, 'a', 'b', 'server.db');

  beforeAll(async () => {
    // A nested path that does not exist yet: parent directories are created.
    server = await startTestServer({ SYNC_SERVER_DB_PATH: path });
  });
  afterAll(async () => {
    await server.close();
    rmSync(nestedRoot, { recursive: true, force: true });
  });

  it('is created with its parent directories', () => {
    expect(existsSync(path)).toBe(true);
  });

  it('is in WAL mode', () => {
    expect(withDatabase(path, (db) => db.pragma('journal_mode', { simple: true }))).toBe('wal');
  });

  it('has the PROTOCOL.md tables, made by migrations', () => {
    withDatabase(path, (db) => {
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
      expect(tables).toEqual(expect.arrayContaining(['api_keys', 'auth_requests', 'memberships', 'projects', 'users']));
      expect(tables).toContain('migrations');
      expect(db.prepare('SELECT count(*) FROM migrations').pluck().get()).toBeGreaterThan(0);
    });
  });
});
