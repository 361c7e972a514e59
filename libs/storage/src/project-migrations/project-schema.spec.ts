import BetterSqlite3, { Database } from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { ProjectDatabases } from '../project-databases';
import { migrateProjectSchema, PROJECT_SCHEMA_VERSION, ProjectSchemaTooNewError } from './project-schema';

/** Round 1's project migration, verbatim: how every existing project database was made. */
class EventsTable1764000000001 implements MigrationInterface {
  name = 'EventsTable1764000000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE events (
      server_seq INTEGER PRIMARY KEY AUTOINCREMENT,
      device_id TEXT NOT NULL,
      session_id TEXT NOT NULL,
      client_action_id INTEGER NOT NULL,
      action_type TEXT NOT NULL,
      entity_type TEXT NOT NULL,
      entity_id TEXT NOT NULL,
      payload TEXT NOT NULL,
      client_timestamp TEXT NOT NULL,
      server_timestamp TEXT NOT NULL,
      UNIQUE (device_id, session_id, client_action_id))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE events`);
  }
}

/** A project database as round 1 left it: opened through a TypeORM DataSource that ran its migration, with `count` events. */
async function roundOneDatabase(path: string, count: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const source = new DataSource({
    type: 'better-sqlite3',
    database: path,
    prepareDatabase: (db: Database) => {
      db.pragma('journal_mode = wal');
    },
    migrations: [EventsTable1764000000001],
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    logging: false,
  });
  await source.initialize();
  for (let i = 1; i <= count; i++) {
    await source.query(
      `INSERT INTO events (device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
       VALUES (?, 's', ?, 'create', 'issues', ?, ?, '2026-01-31T08:15:02.123Z', ?)`,
      [`device-${i % 3}`, i, `td-${i}`, JSON.stringify({ n: i, text: 'ünïcødé ✓' }), `2026-01-31T08:15:0${i % 10}.000Z`],
    );
  }
  await source.destroy();
}

const everything = (db: Database) => db.prepare('SELECT * FROM events ORDER BY server_seq').all();
const indexes = (db: Database) => db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name`).pluck().all();

describe('project database schema', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-schema-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('brings a new database to the current version, recorded in user_version', () => {
    const db = new BetterSqlite3(join(dir, 'new.db'));
    try {
      expect(migrateProjectSchema(db)).toBe(0);
      expect(db.pragma('user_version', { simple: true })).toBe(PROJECT_SCHEMA_VERSION);
      expect(PROJECT_SCHEMA_VERSION).toBe(2);
      expect(indexes(db)).toEqual(['events_by_device', 'sqlite_autoindex_events_1']);
      // A database at the current version is left alone: the same answer, nothing run.
      expect(migrateProjectSchema(db)).toBe(PROJECT_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('recognises a round-1 database (TypeORM migration, user_version 0) and upgrades it in place, every event unchanged', async () => {
    const projectId = 'p_00000000000000a1';
    const path = join(dir, projectId, 'events.db');
    await roundOneDatabase(path, 25);
    const before = new BetterSqlite3(path, { readonly: true });
    const eventsBefore = everything(before);
    const sequence = before.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`).pluck().get();
    expect(before.pragma('user_version', { simple: true })).toBe(0);
    expect(before.prepare('SELECT name FROM migrations').pluck().all()).toEqual(['EventsTable1764000000001']);
    before.close();

    const databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 2 });
    try {
      const db = await databases.get(projectId);
      expect(db.pragma('user_version', { simple: true })).toBe(PROJECT_SCHEMA_VERSION);
      expect(indexes(db)).toEqual(['events_by_device', 'sqlite_autoindex_events_1']);
      expect(everything(db)).toEqual(eventsBefore);
      expect(eventsBefore).toHaveLength(25);
      // AUTOINCREMENT carries on from where round 1 left it.
      expect(db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`).pluck().get()).toBe(sequence);
      // TypeORM's record stays, so the previous release could still open it.
      expect(db.prepare('SELECT name FROM migrations').pluck().all()).toEqual(['EventsTable1764000000001']);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      await databases.closeAll();
    }
  });

  it('refuses a database written by a newer server instead of opening it', () => {
    const db = new BetterSqlite3(join(dir, 'newer.db'));
    try {
      db.pragma(`user_version = ${PROJECT_SCHEMA_VERSION + 1}`);
      expect(() => migrateProjectSchema(db)).toThrow(ProjectSchemaTooNewError);
    } finally {
      db.close();
    }
  });

  it('leaves a database whose upgrade fails exactly as it was', () => {
    const db = new BetterSqlite3(join(dir, 'half.db'));
    try {
      // Version 1 with the index's name already taken by a table: step 2 fails.
      db.exec(`CREATE TABLE events (server_seq INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL, session_id TEXT NOT NULL,
        client_action_id INTEGER NOT NULL, action_type TEXT NOT NULL, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, payload TEXT NOT NULL,
        client_timestamp TEXT NOT NULL, server_timestamp TEXT NOT NULL, UNIQUE (device_id, session_id, client_action_id));
        CREATE TABLE events_by_device (x); PRAGMA user_version = 1;`);
      expect(() => migrateProjectSchema(db)).toThrow(/events_by_device/);
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(db.inTransaction).toBe(false);
    } finally {
      db.close();
    }
  });
});

/**
 * The pull page with exclude_client that the events_by_device index is for,
 * exactly as its migration's comment gives it (with the event JSON reduced to
 * the payload): same answers as the plain scan, without reading the excluded
 * device's rows.
 */
const PAGE_EXCLUDING = `
WITH RECURSIVE device(id) AS (
  SELECT (SELECT min(device_id) FROM events)
  UNION ALL
  SELECT (SELECT min(device_id) FROM events WHERE device_id > device.id) FROM device WHERE device.id IS NOT NULL
),
page(server_seq) AS (
  SELECT e.server_seq FROM device JOIN events e ON e.device_id = device.id
  WHERE device.id <> :exclude AND e.server_seq > :after
    AND e.server_seq <= coalesce(
      (SELECT s.server_seq FROM events s WHERE s.device_id = device.id AND s.server_seq > :after
       ORDER BY s.server_seq LIMIT 1 OFFSET :rows - 1),
      9223372036854775807)
  ORDER BY e.server_seq LIMIT :rows
)
SELECT events.server_seq, events.payload FROM page CROSS JOIN events ON events.server_seq = page.server_seq
ORDER BY page.server_seq`;

describe('the events_by_device index', () => {
  let dir: string;
  let db: Database;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-index-'));
    db = new BetterSqlite3(join(dir, 'events.db'));
    migrateProjectSchema(db);
    const insert = db.prepare(
      `INSERT INTO events (device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
       VALUES (?, 's', ?, 'create', 'issues', 'e', ?, 't', 't')`,
    );
    db.transaction(() => {
      // Interleaved devices first, then a long run of one device's own events.
      for (let i = 1; i <= 300; i++) insert.run(['b', 'c', 'a', 'd'][i % 4], i, `{"n":${i}}`);
      for (let i = 301; i <= 3000; i++) insert.run('a', i, `{"n":${i}}`);
    })();
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the exclude_client page from the index alone: no scan of events', () => {
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${PAGE_EXCLUDING}`)
      .all({ exclude: 'a', after: 0, rows: 11 })
      .map((row) => (row as { detail: string }).detail);
    // Each other device's events after the cursor are a range of the index, for the page and for its bound.
    for (const alias of ['e', 's']) {
      expect(plan).toContainEqual(expect.stringMatching(new RegExp(`^SEARCH ${alias} USING COVERING INDEX events_by_device \\(device_id=\\? AND server_seq>\\?`)));
    }
    expect(plan.filter((detail) => /^SCAN (events|e|s)\b/.test(detail))).toEqual([]);
  });

  it('answers exactly what the plain scan answers, at every cursor', () => {
    const plain = db.prepare(`SELECT server_seq, payload FROM events WHERE server_seq > ? AND device_id <> ? ORDER BY server_seq LIMIT ?`).raw();
    const merged = db.prepare(PAGE_EXCLUDING).raw();
    for (const exclude of ['a', 'b', 'z']) {
      for (const after of [0, 1, 150, 297, 299, 300, 1000, 3000]) {
        for (const rows of [1, 2, 11, 101]) {
          expect(merged.all({ exclude, after, rows })).toEqual(plain.all(after, exclude, rows));
        }
      }
    }
  });

});
