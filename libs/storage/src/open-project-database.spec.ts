import type { Database } from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProjectDatabase, PROJECT_CACHE_KIB } from './open-project-database';
import { SQLITE_PRAGMAS } from './sqlite-pragmas';

/** Appends `rows` events of about 700 bytes each in one transaction, made by SQLite itself so the test's own heap stays out of the figure. */
function appendEvents(db: Database, rows: number): void {
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO events (device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
    SELECT 'device', 'session', i, 'create', 'issues', 'issue-' || i, hex(randomblob(340)), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n`);
}

describe('openProjectDatabase', () => {
  let dir: string;
  const opened: Database[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-open-project-'));
  });

  afterEach(() => {
    for (const db of opened.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a project database a page cache of PROJECT_CACHE_KIB, smaller than the other connections', async () => {
    const db = await openProjectDatabase(join(dir, 'p', 'events.db'), 'create');
    opened.push(db);
    expect(db.pragma('cache_size', { simple: true })).toBe(-PROJECT_CACHE_KIB);
    expect(PROJECT_CACHE_KIB * 1024).toBeLessThan(-SQLITE_PRAGMAS.cache_size * 1024);
  });

  it('keeps the memory of many written and read databases to about their caches, not 2 MB each', async () => {
    // 48 open databases, each written 1.4 MB and read back whole: with the
    // 2 MB cache of the other connections each keeps what it touched, about
    // 90 MB in all; with PROJECT_CACHE_KIB about 20 (12 of caches, the rest
    // the connections themselves).
    const count = 48;
    const before = process.memoryUsage.rss();
    for (let i = 0; i < count; i++) {
      const db = await openProjectDatabase(join(dir, `p${i}`, 'events.db'), 'create');
      opened.push(db);
      appendEvents(db, 2000);
      expect(db.prepare('SELECT count(*) AS n, sum(length(payload)) AS bytes FROM events').get()).toEqual({ n: 2000, bytes: 2000 * 680 });
    }
    const grownMb = (process.memoryUsage.rss() - before) / (1024 * 1024);
    expect(grownMb).toBeLessThan(40);
  });
});
