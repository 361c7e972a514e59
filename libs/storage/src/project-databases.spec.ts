import fs, { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import BetterSqlite3, { Database } from 'better-sqlite3';
import { walHeader } from '@td-sync/testing';
import { DESCRIPTORS_PER_PROJECT_DATABASE, MIN_DESCRIPTOR_RESERVE } from './project-database-budget';
import { ProjectDatabaseMissingError } from './project-database-missing-error';
import { PROJECT_PAGE_SIZE } from './open-project-database';
import { ProjectDatabases } from './project-databases';
import { applyPragmas, checkpointTruncate } from './sqlite-pragmas';

const id = (n: number) => `p_${n.toString(16).padStart(16, '0')}`;
const onLinux = process.platform === 'linux' ? it : it.skip;

function insertEvent(db: Database, clientActionId: number): void {
  db.prepare(
    `INSERT INTO events (device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
     VALUES ('d', 's', ?, 'create', 'issues', 'e', '{}', 't', 't')`,
  ).run(clientActionId);
}

/** Waits, turn by turn of the event loop, for `condition`; fails after `turns` turns. */
async function until(condition: () => boolean, turns = 10_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`condition not met after ${turns} turns of the event loop`);
}

/** This process's open file descriptors (Linux). */
const openDescriptors = () => readdirSync('/proc/self/fd').length;

/** Pids of this process's children whose command line says `title`. */
function childrenTitled(title: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(title);
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

describe('ProjectDatabases', () => {
  let dir: string;
  let databases: ProjectDatabases;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-projects-'));
    databases = new ProjectDatabases({ serverDbPath: join(dir, 'server.db'), projectDataDir: dir, maxOpenProjects: 2 });
  });
  afterEach(async () => {
    await databases.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates <dir>/<id>/events.db with the events table and its unique constraint', async () => {
    await databases.create(id(1));
    expect(existsSync(join(dir, id(1), 'events.db'))).toBe(true);
    const db = await databases.get(id(1));
    const columns = db.prepare(`SELECT name FROM pragma_table_info('events') ORDER BY cid`).pluck().all();
    expect(columns).toEqual([
      'server_seq', 'device_id', 'session_id', 'client_action_id', 'action_type', 'entity_type',
      'entity_id', 'payload', 'client_timestamp', 'server_timestamp',
    ]);
    const insert = db.prepare(
      `INSERT INTO events (device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
       VALUES ('d', 's', 1, 'create', 'issues', 'e', '{}', 't', 't')`,
    );
    insert.run();
    expect(() => insert.run()).toThrow(/UNIQUE/);
  });

  it('sets WAL, synchronous=NORMAL, busy_timeout=5000, foreign_keys=ON and in-memory savepoint journals on every project database', async () => {
    await databases.create(id(1));
    const db = await databases.get(id(1));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('temp_store', { simple: true })).toBe(2); // MEMORY
  });

  it('makes new project databases with 8 KiB pages and keeps the page size of one made before', async () => {
    await databases.create(id(1));
    const created = await databases.get(id(1));
    expect(created.pragma('page_size', { simple: true })).toBe(PROJECT_PAGE_SIZE);
    expect(PROJECT_PAGE_SIZE).toBe(8192);

    // A database as earlier releases made it: SQLite's default 4 KiB pages, already in WAL mode.
    const older = join(dir, id(2), 'events.db');
    fs.mkdirSync(join(dir, id(2)));
    const made = new BetterSqlite3(older);
    made.exec('PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;');
    made.close();
    const opened = await databases.get(id(2)); // migrated to the current schema on open
    expect(opened.pragma('page_size', { simple: true })).toBe(4096);
    for (let n = 1; n <= 300; n++) insertEvent(opened, n); // past one page of rows
    expect(opened.prepare('SELECT count(*) FROM events').pluck().get()).toBe(300);
    expect(opened.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('refuses ids that are not p_ + 16 hex before touching the file system', async () => {
    for (const bad of ['../etc', 'p_../../x', 'p_0123456789ABCDEF', 'p_123', "p_0000000000000001'--"]) {
      await expect(databases.create(bad)).rejects.toThrow('invalid project id');
      await expect(databases.get(bad)).rejects.toThrow('invalid project id');
    }
    expect(existsSync(join(dir, '..', 'etc', 'events.db'))).toBe(false);
  });

  it('does not create a database on get() of a project that was never created', async () => {
    await expect(databases.get(id(9))).rejects.toBeInstanceOf(ProjectDatabaseMissingError);
    expect(existsSync(join(dir, id(9)))).toBe(false);
  });

  it('shares one open database between concurrent first requests', async () => {
    await databases.create(id(1));
    await databases.closeAll();
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 2 });
    const [a, b] = await Promise.all([databases.get(id(1)), databases.get(id(1))]);
    expect(a).toBe(b);
    expect(databases.openCount).toBe(1);
  });

  it('keeps at most maxOpenProjects open, closing the least recently used first', async () => {
    await databases.create(id(1));
    await databases.create(id(2));
    const second = await databases.get(id(2));
    const first = await databases.get(id(1)); // 1 is now the most recently used
    await databases.create(id(3)); // evicts 2
    expect(databases.openCount).toBe(2);
    for (let i = 0; i < 5 && second.open; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(second.open).toBe(false);
    expect(first.open).toBe(true);
    const reopened = await databases.get(id(2));
    expect(reopened.open).toBe(true);
    expect(databases.openCount).toBe(2);
  });

  it('keeps an evicted handle usable until the current synchronous work is done', async () => {
    await databases.closeAll();
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 1 });
    await databases.create(id(1));
    const gotten = databases.get(id(1));
    const creating = databases.create(id(2)); // evicts 1, the only one open, on its way
    const handle = await gotten;
    expect(handle.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
    await creating;
    expect(handle.open).toBe(false);
    expect(databases.openCount).toBe(1);
  });

  it('checkpoints with TRUNCATE and closes everything on closeAll()', async () => {
    await databases.create(id(1));
    const db = await databases.get(id(1));
    db.prepare(
      `INSERT INTO events (device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
       VALUES ('d', 's', 1, 'create', 'issues', 'e', '{}', 't', 't')`,
    ).run();
    const wal = join(dir, id(1), 'events.db-wal');
    expect(statSync(wal).size).toBeGreaterThan(0);
    await databases.closeAll();
    expect(db.open).toBe(false);
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
    await expect(databases.get(id(1))).rejects.toThrow('closed');
  });

  it('remove() closes the database and deletes its directory', async () => {
    await databases.create(id(1));
    await databases.remove(id(1));
    expect(existsSync(join(dir, id(1)))).toBe(false);
    expect(databases.openCount).toBe(0);
  });

  it('sizes the cache from the descriptor limit, three descriptors per database, capped by maxOpenProjects', async () => {
    await databases.closeAll();
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 100, descriptorLimit: MIN_DESCRIPTOR_RESERVE + 4 * 3 + 2 });
    expect(databases.capacity).toBe(4);
    const handles: Database[] = [];
    for (let n = 1; n <= 7; n++) {
      await databases.create(id(n));
      handles.push(await databases.get(id(n)));
      expect(databases.openCount).toBeLessThanOrEqual(4);
    }
    expect(databases.openCount).toBe(4);
    await until(() => !handles[2].open);
    expect(handles.map((handle) => handle.open)).toEqual([false, false, false, true, true, true, true]);
    await databases.closeAll();
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 3, descriptorLimit: 1_000_000 });
    expect(databases.capacity).toBe(3);
  });

  onLinux('holds three descriptors per open project database, background checkpoints included', async () => {
    await databases.closeAll();
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 50 });
    // The first database starts the checkpoint process (its channel is a descriptor of this one) and the file watches.
    await databases.create(id(100));
    insertEvent(await databases.get(id(100)), 1);
    databases.written(id(100));
    await databases.flushCheckpoints();

    const before = openDescriptors();
    for (let n = 1; n <= 10; n++) {
      await databases.create(id(n));
      insertEvent(await databases.get(id(n)), 1);
      databases.written(id(n));
    }
    await databases.flushCheckpoints();
    for (let n = 1; n <= 10; n++) insertEvent(await databases.get(id(n)), 2);
    expect(openDescriptors() - before).toBe(10 * DESCRIPTORS_PER_PROJECT_DATABASE);
    expect(DESCRIPTORS_PER_PROJECT_DATABASE).toBe(3);
  });

  onLinux('runs its checkpoint process with one malloc arena', async () => {
    await databases.create(id(1));
    insertEvent(await databases.get(id(1)), 1);
    databases.written(id(1));
    await databases.flushCheckpoints();
    const [pid] = childrenTitled('td-sync checkpoints');
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=1');
  });

  onLinux('ends its checkpoint process on closeAll()', async () => {
    await databases.create(id(1));
    insertEvent(await databases.get(id(1)), 1);
    databases.written(id(1));
    await databases.flushCheckpoints();
    expect(childrenTitled('td-sync checkpoints')).toHaveLength(1);
    await databases.closeAll();
    expect(childrenTitled('td-sync checkpoints')).toEqual([]);
  });
});

describe('ProjectDatabases and files changed under an open handle', () => {
  let dir: string;
  let databases: ProjectDatabases;
  let warnings: jest.SpyInstance;
  const path = (n: number) => join(dir, id(n), 'events.db');
  const warned = () => warnings.mock.calls.map(([message]) => String(message));

  beforeEach(() => {
    warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    dir = mkdtempSync(join(tmpdir(), 'td-sync-changes-'));
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 4 });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await databases.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  onLinux('hands out an open database without a system call per request while nothing happens to its file', async () => {
    await databases.create(id(1));
    const stat = jest.spyOn(fs, 'statSync');
    const access = jest.spyOn(fs, 'accessSync');
    for (let i = 0; i < 100; i++) insertEvent(await databases.get(id(1)), i);
    expect(stat).not.toHaveBeenCalled();
    expect(access).not.toHaveBeenCalled();
    expect(databases.isOpen(id(1))).toBe(true);

    // Something happens to the file (here a chmod): the next get() looks at it once, finds it the same, and trusts it again.
    chmodSync(path(1), 0o600);
    await until(() => !databases.isOpen(id(1)));
    const same = await databases.get(id(1));
    expect(stat).toHaveBeenCalledTimes(1);
    expect(databases.isOpen(id(1))).toBe(true);
    expect(same.prepare('SELECT count(*) FROM events').pluck().get()).toBe(100);
  });

  onLinux('notices a database deleted under it: the next get() fails instead of serving the deleted file', async () => {
    await databases.create(id(1));
    const handle = await databases.get(id(1));
    insertEvent(handle, 1);
    rmSync(join(dir, id(1)), { recursive: true });
    await until(() => !databases.isOpen(id(1)));
    await expect(databases.get(id(1))).rejects.toBeInstanceOf(ProjectDatabaseMissingError);
    await until(() => !handle.open);
    expect(existsSync(join(dir, id(1)))).toBe(false);
    expect(warned()).toEqual([`event database of project ${id(1)} was removed from disk while open: reopening it`]);
  });

  onLinux('notices its project directory swapped for another (a restore that moves directories, not files)', async () => {
    await databases.create(id(1));
    await databases.create(id(2));
    const handle = await databases.get(id(1));
    insertEvent(handle, 1);
    insertEvent(await databases.get(id(2)), 7);
    await databases.closeAll();
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 4 });
    const first = await databases.get(id(1));
    renameSync(join(dir, id(1)), join(dir, 'old'));
    await until(() => !databases.isOpen(id(1)));
    await expect(databases.get(id(1))).rejects.toBeInstanceOf(ProjectDatabaseMissingError);
    renameSync(join(dir, id(2)), join(dir, id(1)));
    const swapped = await databases.get(id(1));
    expect(swapped).not.toBe(first);
    expect(swapped.prepare('SELECT client_action_id FROM events').pluck().all()).toEqual([7]);
    expect(warned()).toContain(`event database of project ${id(1)} was removed from disk while open: reopening it`);
  });

  onLinux('notices the data directory itself moved away', async () => {
    await databases.create(id(1));
    await databases.get(id(1));
    renameSync(dir, `${dir}-moved`);
    try {
      await until(() => !databases.isOpen(id(1)));
      await expect(databases.get(id(1))).rejects.toBeInstanceOf(ProjectDatabaseMissingError);
    } finally {
      renameSync(`${dir}-moved`, dir);
    }
    // Back in place: served again, and watched again from its next open.
    expect((await databases.get(id(1))).prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
  });

  onLinux('notices a database replaced under it (a restore) and serves the file now at the path', async () => {
    await databases.create(id(1));
    const handle = await databases.get(id(1));
    insertEvent(handle, 1);
    const backup = join(dir, 'backup.db');
    await handle.backup(backup); // one event
    insertEvent(handle, 2);
    renameSync(backup, path(1));
    await until(() => !databases.isOpen(id(1)));
    const restored = await databases.get(id(1));
    expect(restored).not.toBe(handle);
    expect(restored.prepare('SELECT client_action_id FROM events').pluck().all()).toEqual([1]);
    expect(handle.open).toBe(false);
    expect(warned()).toEqual([`event database of project ${id(1)} was replaced on disk while open: reopening it`]);
  });
});

describe('checkpointTruncate', () => {
  it('does not wait for a reader that holds the WAL (as Litestream does) and leaves busy_timeout as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-sync-checkpoint-'));
    const path = join(dir, 'x.db');
    const writer = new BetterSqlite3(path);
    const reader = new BetterSqlite3(path);
    try {
      applyPragmas(writer);
      writer.exec('CREATE TABLE t (x)');
      writer.prepare('INSERT INTO t VALUES (1)').run();
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM t').get();
      writer.prepare('INSERT INTO t VALUES (2)').run();
      expect(checkpointTruncate(writer)).toBe(false); // returns at once instead of after 5 s
      expect(writer.pragma('busy_timeout', { simple: true })).toBe(5000);
      reader.exec('COMMIT');
      expect(checkpointTruncate(writer)).toBe(true);
      expect(statSync(`${path}-wal`).size).toBe(0);
    } finally {
      reader.close();
      writer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('background WAL checkpoints', () => {
  it('folds a written project database into its main file off the event loop, leaving autocheckpoint only as a safety net', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-sync-wal-'));
    const databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 4 });
    try {
      const projectId = id(1);
      await databases.create(projectId);
      const db = await databases.get(projectId);
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
      const insert = db.prepare(
        `INSERT INTO events (device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
         VALUES ('d', 's', ?, 'create', 'issues', 'e', ?, 't', 't')`,
      );
      db.transaction(() => {
        for (let i = 0; i < 1000; i++) insert.run(i, JSON.stringify({ filler: 'x'.repeat(1000) }));
      })();
      const mainFile = join(dir, projectId, 'events.db');
      const before = statSync(mainFile).size;
      expect(statSync(`${mainFile}-wal`).size).toBeGreaterThan(1_000_000);

      databases.written(projectId);
      await databases.flushCheckpoints();

      expect(statSync(mainFile).size).toBeGreaterThan(before + 1_000_000);
      expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1000);
    } finally {
      await databases.closeAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a checkpointed WAL started afresh by the checkpoint process', () => {
  let dir: string;
  let databases: ProjectDatabases;
  const wal = (n: number) => join(dir, id(n), 'events.db-wal');
  /** The WAL header's salts: starting the WAL afresh writes new ones. */
  const walSalts = (n: number) => walHeader(join(dir, id(n), 'events.db'))!.salts;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-wal-restart-'));
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 1 });
  });

  afterEach(async () => {
    await databases.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a little over 1 MiB (past the size that asks for a checkpoint at once, far below RESTART_WAL_FRAMES) through the server's connection. */
  function writeAMegabyte(db: Database, from: number): void {
    const insert = db.prepare(
      `INSERT INTO events (device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
       VALUES ('d', 's', ?, 'create', 'issues', 'e', ?, 't', 't')`,
    );
    db.transaction(() => {
      for (let i = 0; i < 1100; i++) insert.run(from + i, JSON.stringify({ filler: 'x'.repeat(1000) }));
    })();
  }

  // Otherwise the server's next commit finds the WAL all copied and starts it afresh itself, syncing its new header on the event loop.
  onLinux.each([
    ['created by the server (held since)', false],
    ['reopened (the checkpoint process holds it)', true],
  ])('when nothing was written while it ran, for a database %s', async (_case, reopened) => {
    await databases.create(id(1));
    if (reopened) {
      await databases.create(id(2)); // evicts project 1 (one open at most)
      await until(() => databases.openCount === 1);
    }
    const db = await databases.get(id(1));
    writeAMegabyte(db, 0);
    const before = walSalts(1);

    databases.written(id(1));
    await databases.flushCheckpoints();

    expect(walSalts(1)).not.toBe(before);
    // The server's next commit appends to the new WAL; everything is there.
    insertEvent(db, 5000);
    const salts = walSalts(1);
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1101);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(walSalts(1)).toBe(salts);
  });

  // A WAL file keeps its size when it starts over: its size alone would ask for a checkpoint after every write.
  onLinux('cuts the WAL file as it starts it afresh, so a few writes after it are not checkpointed until as much has been written again', async () => {
    await databases.create(id(1));
    const db = await databases.get(id(1));
    writeAMegabyte(db, 0);
    expect(statSync(wal(1)).size).toBeGreaterThan(1024 * 1024);
    databases.written(id(1));
    await databases.flushCheckpoints();
    const restarted = walSalts(1);
    expect(statSync(wal(1)).size).toBeLessThanOrEqual(512 * 1024);

    for (let i = 0; i < 10; i++) insertEvent(db, 5000 + i);
    databases.written(id(1));
    await databases.flushCheckpoints();

    expect(walSalts(1)).toBe(restarted); // neither checkpointed nor started afresh again
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1110);
  });
});

describe('project databases closed and reopened through the checkpoint process', () => {
  let dir: string;
  let databases: ProjectDatabases;
  const path = (n: number) => join(dir, id(n), 'events.db');
  const count = (db: Database) => db.prepare('SELECT count(*) FROM events').pluck().get();
  /** The WAL header's salts: a WAL restarted (or written anew) by a commit gets new ones. */
  const walSalts = (n: number) => walHeader(path(n))!.salts;

  /** Waits (polling, up to 20 s) for `condition`. */
  async function eventually(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(condition()).toBe(true);
  }
  /** Whether the checkpoint process has the file at `file` open. */
  function checkpointProcessHolds(file: string): boolean {
    return childrenTitled('td-sync checkpoints').some((pid) => {
      try {
        return readdirSync(`/proc/${pid}/fd`).some((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === file);
      } catch {
        return false;
      }
    });
  }
  /** How the checkpoint process has the file at `file` open: 'read-only' or 'writable', one entry per descriptor. */
  function checkpointProcessAccessTo(file: string): string[] {
    return childrenTitled('td-sync checkpoints').flatMap((pid) =>
      readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) !== file) return [];
          const flags = parseInt(/^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1] ?? '', 8);
          return [(flags & 3) === 0 ? 'read-only' : 'writable'];
        } catch {
          return []; // closed between the listing and the look (another database's connection)
        }
      }),
    );
  }
  /** Evicts every open project by creating `count` fresh ones (the cache holds 2). */
  async function churn(from: number): Promise<void> {
    for (let n = from; n < from + 2; n++) {
      await databases.create(id(n));
      insertEvent(await databases.get(id(n)), 1);
    }
  }
  /** A copy of the main database file alone, without its -wal and -shm, as a backup of the .db would be. */
  function eventsInMainFileAlone(n: number): unknown {
    const copy = join(dir, `copy-${n}.db`);
    fs.copyFileSync(path(n), copy);
    const db = new BetterSqlite3(copy, { readonly: true });
    try {
      return count(db);
    } finally {
      db.close();
    }
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-held-'));
  });
  afterEach(async () => {
    await databases.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  onLinux('leaves the WAL of a database evicted from the cache in place, and the next open appends to it without a new header', async () => {
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 2 });
    await databases.create(id(1));
    const first = await databases.get(id(1));
    insertEvent(first, 1);
    await churn(10);
    await until(() => !first.open);
    await eventually(() => !checkpointProcessHolds(path(1)));
    // The server's close was not the last one, and the checkpoint process's was read-only: neither checkpointed nor deleted it.
    expect(statSync(`${path(1)}-wal`).size).toBeGreaterThan(0);
    const salts = walSalts(1);

    const again = await databases.get(id(1));
    insertEvent(again, 2);
    expect(walSalts(1)).toBe(salts);
    expect(count(again)).toBe(2);
  });

  // Otherwise every checkpoint of a project created and never evicted opened and closed a connection of its own.
  onLinux('holds a database the server has just created, and checkpoints it through a connection kept open there', async () => {
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 2 }, { idleCheckpointMs: 200 });
    await databases.create(id(1));
    expect(checkpointProcessAccessTo(path(1))).toEqual(['read-only']);

    insertEvent(await databases.get(id(1)), 1);
    databases.written(id(1));
    await databases.flushCheckpoints();
    // Checkpointed once quiet for the idle delay (until then the main file has not even the schema).
    await eventually(() => {
      try {
        return eventsInMainFileAlone(1) === 1;
      } catch {
        return false;
      }
    });
    expect(checkpointProcessAccessTo(path(1)).sort()).toEqual(['read-only', 'writable']);
  });

  onLinux('holds a database for the server through a read-only connection, whose close leaves the WAL as it is', async () => {
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 2 });
    await databases.create(id(1));
    insertEvent(await databases.get(id(1)), 1);
    await churn(10);
    await eventually(() => !checkpointProcessHolds(path(1)));
    const salts = walSalts(1);

    const again = await databases.get(id(1));
    // Held again, the WAL kept: one read-only connection, nothing writable (which took a second connection to close without checkpointing).
    expect(checkpointProcessAccessTo(path(1))).toEqual(['read-only']);
    insertEvent(again, 2);
    await churn(20);
    await eventually(() => !checkpointProcessHolds(path(1)));
    expect(walSalts(1)).toBe(salts);
    expect(statSync(`${path(1)}-wal`).size).toBeGreaterThan(0);
    expect(count(await databases.get(id(1)))).toBe(2);
  });

  onLinux("writes a fresh WAL's header in the checkpoint process, and closes out a quiet database's WAL after the idle delay", async () => {
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 2 }, { idleCheckpointMs: 200 });
    await databases.create(id(1));
    const first = await databases.get(id(1));
    insertEvent(first, 1);
    await churn(10);
    await until(() => !first.open);
    // Quiet for the idle delay: checkpointed into the main file, its -wal and -shm deleted.
    await eventually(() => !existsSync(`${path(1)}-wal`));
    expect(existsSync(`${path(1)}-shm`)).toBe(false);
    expect(eventsInMainFileAlone(1)).toBe(1);

    const again = await databases.get(id(1));
    // Opened for the server by the checkpoint process, which wrote the new WAL's header (and synced it) before the server's first commit.
    expect(statSync(`${path(1)}-wal`).size).toBeGreaterThanOrEqual(32);
    const salts = walSalts(1);
    insertEvent(again, 2);
    expect(walSalts(1)).toBe(salts);
    expect(count(again)).toBe(2);
  });

  onLinux('closeAll() leaves every database complete on its own, those evicted with their WAL kept included', async () => {
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 2 });
    for (let n = 1; n <= 6; n++) {
      await databases.create(id(n));
      const db = await databases.get(id(n));
      for (let i = 0; i < n; i++) insertEvent(db, i);
    }
    await eventually(() => !checkpointProcessHolds(path(1)));
    expect(existsSync(`${path(1)}-wal`)).toBe(true);
    await databases.closeAll();
    for (let n = 1; n <= 6; n++) {
      expect(readdirSync(join(dir, id(n)))).toEqual(['events.db']);
      expect(eventsInMainFileAlone(n)).toBe(n);
    }
  });

  onLinux('does not replay the WAL left by a released database into another file put at its path (a restore while the project is not open)', async () => {
    databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 2 });
    await databases.create(id(1));
    const first = await databases.get(id(1));
    insertEvent(first, 1);
    const backup = join(dir, 'backup.db');
    await first.backup(backup); // event 1 only
    insertEvent(first, 2);
    await churn(10);
    await eventually(() => !checkpointProcessHolds(path(1)));
    expect(statSync(`${path(1)}-wal`).size).toBeGreaterThan(0); // event 2 is there, not in the main file

    renameSync(backup, path(1));
    const restored = await databases.get(id(1));
    expect(restored.prepare('SELECT client_action_id FROM events').pluck().all()).toEqual([1]);
    expect(restored.pragma('integrity_check', { simple: true })).toBe('ok');
    insertEvent(restored, 3);
    expect(restored.prepare('SELECT client_action_id FROM events').pluck().all()).toEqual([1, 3]);
  });

  onLinux('loses nothing when the checkpoint process is killed while it holds databases: they are closed and held again by the next one', async () => {
    const warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 2 });
      await databases.create(id(1));
      insertEvent(await databases.get(id(1)), 1);
      await churn(10);
      const first = await databases.get(id(1)); // held by the checkpoint process
      const [pid] = childrenTitled('td-sync checkpoints');
      expect(checkpointProcessHolds(path(1))).toBe(true);
      process.kill(pid, 'SIGKILL');
      await eventually(() => warnings.mock.calls.some(([message]) => String(message).startsWith('checkpoint process ended (SIGKILL)')));
      insertEvent(first, 2);
      await churn(20);
      await until(() => !first.open);
      const again = await databases.get(id(1));
      expect(count(again)).toBe(2);
      expect(again.pragma('integrity_check', { simple: true })).toBe('ok');
      await databases.closeAll();
      expect(eventsInMainFileAlone(1)).toBe(2);
    } finally {
      warnings.mockRestore();
    }
  });
});
