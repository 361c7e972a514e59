import BetterSqlite3 from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeProjectDirectory } from './project-directory';

describe('removeProjectDirectory', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'td-sync-project-dir-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('deletes a project directory with its database, -wal and -shm', async () => {
    const dir = join(root, 'p_0000000000000001');
    mkdirSync(dir);
    const db = new BetterSqlite3(join(dir, 'events.db'));
    db.pragma('journal_mode = wal');
    db.exec('CREATE TABLE t (x)');
    expect(readdirSync(dir).sort()).toEqual(['events.db', 'events.db-shm', 'events.db-wal']);
    db.close();
    writeFileSync(join(dir, 'events.db-wal'), 'left by a crash');
    await removeProjectDirectory(dir);
    expect(readdirSync(root)).toEqual([]);
  });

  it('deletes whatever else is in it too, and a regular file in its place', async () => {
    const dir = join(root, 'p_0000000000000002');
    mkdirSync(join(dir, 'backups'), { recursive: true });
    writeFileSync(join(dir, 'events.db'), '');
    writeFileSync(join(dir, 'backups', 'events.db.bak'), 'x');
    await removeProjectDirectory(dir);
    writeFileSync(join(root, 'p_0000000000000003'), 'not a directory');
    await removeProjectDirectory(join(root, 'p_0000000000000003'));
    expect(readdirSync(root)).toEqual([]);
  });

  it('is content with a directory that is not there', async () => {
    await removeProjectDirectory(join(root, 'missing'));
    expect(existsSync(join(root, 'missing'))).toBe(false);
  });
});
