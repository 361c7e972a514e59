import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { openPostgresBackend } from '../postgres/postgres-backend';
import type { AccessDecision } from '../repositories/access-decision';
import { PushBatch, PushOutcome } from '../repositories/event-store';
import { openSqliteBackend } from '../sqlite/sqlite-backend';
import type { StorageBackend } from '../storage-backend';
import { MigrationRefused } from './migration-refused';
import { MIGRATION_RUN_LOCK } from './postgres-target';
import { locateSqliteData } from './sqlite-data-location';
import { MigrationProgress, migrateSqliteToPostgres } from './sqlite-to-postgres';

const anyone: AccessDecision = () => undefined;
const TIME = '2026-01-31T08:15:02.123Z';
const OWNER = 'u_00000000000000a1';
const WRITER = 'u_00000000000000b2';
const P1 = 'p_0000000000000001';
const P2 = 'p_0000000000000002';
const DELETED = 'p_0000000000000003';

/** Payloads spelled as no parse-and-stringify would give them back. */
const PAYLOADS = [
  '{"z":1,"a":2}',
  '{"big":12345678901234567890,"f":1.0,"e":1E+2}',
  '{"s":"caf\\u00e9 \\"quoted\\" \\/ \\n","u":"café ✓ 𝄞"}',
  '{ "spaced" : [ 1 , 2 ] , "nested" : { "b" : null } }',
];

function batch(deviceId: string, ids: Array<number | bigint>, payload = (i: number) => PAYLOADS[i % PAYLOADS.length]): PushBatch {
  return {
    deviceId,
    sessionId: `ses-${deviceId}`,
    events: ids.map((id, i) => ({ clientActionId: id, actionType: 'create', entityType: 'issues', entityId: `td-${String(id)}`, payload: payload(i), clientTimestamp: TIME })),
  };
}

/** Every stored event of a project as text, read from its SQLite file. */
function sqliteEvents(dir: string, projectId: string): string[][] {
  const db = new BetterSqlite3(join(dir, 'projects', projectId, 'events.db'), { readonly: true });
  db.defaultSafeIntegers(true);
  try {
    return (db.prepare('SELECT * FROM events ORDER BY server_seq').raw().all() as unknown[][]).map((row) => row.map(String));
  } finally {
    db.close();
  }
}

/** The same columns, read from PostgreSQL. */
async function postgresEvents(url: string, projectId: string): Promise<string[][]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<unknown[]>({
      text: `SELECT server_seq::text, device_id, session_id, client_action_id::text, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp
             FROM events WHERE project_id = $1 ORDER BY events.server_seq`,
      values: [projectId],
      rowMode: 'array',
    });
    return rows.map((row) => row.map(String));
  } finally {
    await client.end();
  }
}

async function postgresRows(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('migrateSqliteToPostgres (real SQLite files, real PostgreSQL)', () => {
  let dir: string;
  let database: TestDatabase;
  let opened: StorageBackend[];

  const sqliteOptions = () => ({ serverDbPath: join(dir, 'server.db'), projectDataDir: join(dir, 'projects'), maxOpenProjects: 4 });
  const migrate = (extra: { resume?: boolean; onProgress?: (p: MigrationProgress) => void; pageSize?: number } = {}) =>
    migrateSqliteToPostgres({ ...locateSqliteData(dir), databaseUrl: database.url, ...extra });
  const openPostgres = async () => {
    const backend = await openPostgresBackend({ url: database.url, poolSize: 2, connectTimeoutMs: 5000 });
    opened.push(backend);
    return backend;
  };

  /**
   * A deployment as the SQLite backend leaves it: two users, keys (one
   * revoked, one used), a login in progress, two live projects and a deleted
   * one with members and events (duplicates, a 64-bit id, odd payloads).
   */
  async function buildSqliteDeployment(): Promise<void> {
    const sqlite = await openSqliteBackend(sqliteOptions());
    try {
      await sqlite.users.findOrCreate({ id: OWNER, email: 'owner@example.com', created_at: TIME });
      await sqlite.users.findOrCreate({ id: WRITER, email: 'writer@example.com', created_at: TIME });
      await sqlite.apiKeys.insert({ id: 'k_00000000000000a1', user_id: OWNER, key_hash: 'a'.repeat(64), key_prefix: 'AbCdEfGh', name: 'laptop', scopes: 'sync', expires_at: '2027-01-31T08:15:02.123Z', last_used_at: null, revoked_at: null, created_at: TIME });
      await sqlite.apiKeys.insert({ id: 'k_00000000000000b2', user_id: WRITER, key_hash: 'b'.repeat(64), key_prefix: 'IjKlMnOp', name: 'device-auth', scopes: 'sync', expires_at: '2026-06-30T00:00:00Z', last_used_at: null, revoked_at: null, created_at: TIME });
      await sqlite.apiKeys.touchLastUsed('k_00000000000000b2', '2026-02-01T10:00:00.5Z');
      await sqlite.apiKeys.insert({ id: 'k_00000000000000c3', user_id: WRITER, key_hash: 'c'.repeat(64), key_prefix: 'QrStUvWx', name: 'old', scopes: 'sync', expires_at: '2027-01-01T00:00:00Z', last_used_at: null, revoked_at: '2026-02-02T00:00:00Z', created_at: TIME });
      await sqlite.authRequests.insert({ id: 'ar_1', flow: 'email_link', email: 'writer@example.com', device_code_hash: 'd'.repeat(64), user_code: null, link_selector: 'sel1', link_secret_hash: 'e'.repeat(64), code_challenge: 'challenge', device_name: 'desk', email_sent: true, status: 'pending', user_id: null, expires_at: '2099-01-01T00:00:00Z', verified_at: null, created_at: TIME });

      for (const [id, name] of [[P1, 'one'], [P2, 'two'], [DELETED, 'gone']]) {
        await sqlite.projects.createWithOwner({ id, name, description: `about ${name}` }, OWNER);
        expect(await sqlite.memberships.add(id, WRITER, 'writer', OWNER)).toMatchObject({ kind: 'added' });
      }
      await sqlite.events.append(P1, OWNER, batch('dev-a', [1, 2, 3, 4]), '2026-02-01T00:00:00Z', anyone);
      await sqlite.events.append(P1, WRITER, batch('dev-b', [9007199254740993n, 7]), '2026-02-01T00:00:01Z', anyone);
      // A retry: the first two are duplicates, the third is new.
      const retried = await sqlite.events.append(P1, OWNER, batch('dev-a', [3, 4, 5]), '2026-02-01T00:00:02.25Z', anyone);
      expect([...retried.outcomes]).toEqual([PushOutcome.Duplicate, PushOutcome.Duplicate, PushOutcome.Acked]);
      await sqlite.events.append(P2, OWNER, batch('dev-c', Array.from({ length: 120 }, (_, i) => i + 1), (i) => `{"n":${i},"pad":"${'x'.repeat(i * 3)}"}`), '2026-02-01T00:00:03Z', anyone);
      await sqlite.events.append(DELETED, OWNER, batch('dev-d', [1]), '2026-02-01T00:00:04Z', anyone);
      expect(await sqlite.projects.softDelete(DELETED)).toBe(true);
    } finally {
      await sqlite.connection.close();
    }
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-migrate-'));
    database = await createTestDatabase();
    opened = [];
    await buildSqliteDeployment();
  });

  afterEach(async () => {
    for (const backend of opened) await backend.connection.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies every event with its seq and exact bytes, and every key, user, login request, project and membership', async () => {
    // A disabled account (an operator's `td-sync users disable`) stays disabled.
    const file = new BetterSqlite3(join(dir, 'server.db'));
    file.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run('2026-02-03T00:00:00Z', WRITER);
    file.close();
    const progress: MigrationProgress[] = [];
    const summary = await migrate({ onProgress: (p) => progress.push(p), pageSize: 7 });

    expect(summary).toEqual({
      serverRows: { users: 2, api_keys: 3, auth_requests: 1 },
      projects: { copied: 3, 'already-copied': 0, 'copied-without-events': 0 },
      events: 7 + 120 + 1,
    });
    for (const project of [P1, P2, DELETED]) {
      expect(await postgresEvents(database.url, project)).toEqual(sqliteEvents(dir, project));
    }
    const perProject = progress.filter((p) => p.kind === 'project');
    expect(perProject).toEqual([
      { kind: 'project', projectId: P1, index: 1, total: 3, outcome: 'copied', events: 7, lastSeq: '7' },
      { kind: 'project', projectId: P2, index: 2, total: 3, outcome: 'copied', events: 120, lastSeq: '120' },
      { kind: 'project', projectId: DELETED, index: 3, total: 3, outcome: 'copied', events: 1, lastSeq: '1' },
    ]);
    // pageSize 7: P2's 120 events came in 18 reads, each reported.
    expect(progress.filter((p) => p.kind === 'project-events' && p.projectId === P2).map((p) => (p as { copied: number }).copied).at(-1)).toBe(120);

    const pg = await openPostgres();
    expect(await pg.apiKeys.findByHash('a'.repeat(64))).toEqual({
      key_id: 'k_00000000000000a1',
      expires_at: '2027-01-31T08:15:02.123Z',
      revoked_at: null,
      last_used_at: null,
      scopes: 'sync',
      user_id: OWNER,
      email: 'owner@example.com',
      user_disabled_at: null,
    });
    expect(await pg.apiKeys.findByHash('b'.repeat(64))).toMatchObject({ expires_at: '2026-06-30T00:00:00Z', last_used_at: '2026-02-01T10:00:00.5Z', user_id: WRITER, user_disabled_at: '2026-02-03T00:00:00Z' });
    expect(await pg.apiKeys.findByHash('c'.repeat(64))).toMatchObject({ revoked_at: '2026-02-02T00:00:00Z' });
    expect(await pg.authRequests.findBySelector('sel1')).toMatchObject({ id: 'ar_1', flow: 'email_link', email_sent: true, status: 'pending', code_challenge: 'challenge' });
    expect(await pg.users.findById(WRITER)).toMatchObject({ id: WRITER, email: 'writer@example.com', created_at: TIME });

    expect((await pg.projects.listLiveFor(WRITER)).map((p) => [p.id, p.name, p.description])).toEqual([
      [P1, 'one', 'about one'],
      [P2, 'two', 'about two'],
    ]);
    expect(await pg.projects.findLive(DELETED)).toBeUndefined();
    expect((await pg.memberships.list(P1)).map((m) => [m.user_id, m.role, m.invited_by])).toEqual([
      [OWNER, 'owner', null],
      [WRITER, 'writer', OWNER],
    ]);
    expect(await pg.events.status(P1, OWNER, anyone)).toEqual({ eventCount: 7, lastServerSeq: 7, lastEventTime: '2026-02-01T00:00:02.25Z' });
  });

  it('keeps each project counter, so the next push continues it and retried batches are still duplicates', async () => {
    // The newest event of P2 is gone from the file (as after restoring an older
    // copy of it): AUTOINCREMENT still remembers seq 120 was handed out.
    const file = new BetterSqlite3(join(dir, 'projects', P2, 'events.db'));
    file.prepare('DELETE FROM events WHERE server_seq = 120').run();
    file.close();

    await migrate();
    const pg = await openPostgres();
    expect(await pg.events.status(P2, OWNER, anyone)).toMatchObject({ eventCount: 119, lastServerSeq: 120 });

    const next = await pg.events.append(P2, WRITER, batch('dev-new', [1]), '2026-03-01T00:00:00Z', anyone);
    expect([...next.serverSeqs]).toEqual([121]);
    const retry = await pg.events.append(P1, OWNER, batch('dev-a', [5, 6]), '2026-03-01T00:00:00Z', anyone);
    expect([...retry.outcomes]).toEqual([PushOutcome.Duplicate, PushOutcome.Acked]);
    expect([...retry.serverSeqs]).toEqual([7, 8]);
    const bigId = await pg.events.append(P1, WRITER, batch('dev-b', [9007199254740993n]), '2026-03-01T00:00:00Z', anyone);
    expect([...bigId.outcomes, ...bigId.serverSeqs]).toEqual([PushOutcome.Duplicate, 5]);
  });

  it('places projects and members copied with the same creation time in SQLite order, and new ones after them', async () => {
    const file = new BetterSqlite3(join(dir, 'server.db'));
    file.prepare('UPDATE projects SET created_at = ?').run(TIME);
    file.prepare('UPDATE memberships SET created_at = ?').run(TIME);
    file.close();

    await migrate();
    const pg = await openPostgres();
    expect((await pg.projects.listLiveFor(OWNER)).map((p) => p.id)).toEqual([P1, P2]);
    await pg.projects.createWithOwner({ id: 'p_0000000000000009', name: 'new', description: '' }, OWNER);
    expect((await pg.projects.listLiveFor(OWNER)).map((p) => p.id)).toEqual([P1, P2, 'p_0000000000000009']);
    const [{ max }] = (await postgresRows(database.url, `SELECT max(insertion_order)::int AS max FROM projects WHERE id <> 'p_0000000000000009'`)) as Array<{ max: number }>;
    const [{ order }] = (await postgresRows(database.url, `SELECT insertion_order::int AS order FROM projects WHERE id = 'p_0000000000000009'`)) as Array<{ order: number }>;
    expect(order).toBeGreaterThan(max);
  });

  it('refuses a target that holds data, and copies nothing', async () => {
    const pg = await openPostgres();
    await pg.users.findOrCreate({ id: 'u_00000000000000ff', email: 'someone@example.com', created_at: TIME });

    const refusal = await migrate().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(MigrationRefused);
    expect((refusal as Error).message).toMatch(/already holds data \(1 users\).*--resume/);
    expect(await postgresRows(database.url, 'SELECT id FROM projects')).toEqual([]);
  });

  it('resumes after an interruption: whole projects only were left, those are skipped, the rest copied', async () => {
    const interrupted = await migrate({
      onProgress: (p) => {
        if (p.kind === 'project' && p.index === 1) throw new Error('interrupted');
      },
    }).catch((error: unknown) => error);
    expect((interrupted as Error).message).toBe('interrupted');
    expect(await postgresRows(database.url, 'SELECT id FROM projects ORDER BY id')).toEqual([{ id: P1 }]);

    await expect(migrate()).rejects.toThrow(MigrationRefused);

    const outcomes: string[] = [];
    const summary = await migrate({ resume: true, onProgress: (p) => p.kind === 'project' && outcomes.push(`${p.projectId} ${p.outcome}`) });
    expect(outcomes).toEqual([`${P1} already-copied`, `${P2} copied`, `${DELETED} copied`]);
    expect(summary.events).toBe(121);
    for (const project of [P1, P2, DELETED]) expect(await postgresEvents(database.url, project)).toEqual(sqliteEvents(dir, project));

    // A further run finds everything done and changes nothing.
    const again = await migrate({ resume: true });
    expect(again.projects).toEqual({ copied: 0, 'already-copied': 3, 'copied-without-events': 0 });
    expect(again.events).toBe(0);
  });

  it('rolls back a project whose copy fails, leaving the ones before it', async () => {
    // A payload PostgreSQL cannot hold as text (a NUL byte, which only a file edited by hand could contain).
    const file = new BetterSqlite3(join(dir, 'projects', P2, 'events.db'));
    file.prepare(`UPDATE events SET payload = '{"a":"' || char(0) || '"}' WHERE server_seq = 50`).run();
    file.close();

    await expect(migrate()).rejects.toThrow();
    expect(await postgresRows(database.url, 'SELECT project_id, count(*)::int AS n FROM project_seqs JOIN events USING (project_id) GROUP BY project_id')).toEqual([{ project_id: P1, n: 7 }]);
    expect(await postgresRows(database.url, `SELECT id FROM projects WHERE id = '${P2}'`)).toEqual([]);
  });

  it('refuses a resume into a project that changed after it was copied', async () => {
    await migrate();
    const pg = await openPostgres();
    await pg.events.append(P1, OWNER, batch('dev-z', [1]), '2026-03-01T00:00:00Z', anyone);

    await expect(migrate({ resume: true })).rejects.toThrow(new RegExp(`project ${P1} is in PostgreSQL already with 8 events up to seq 8, but its SQLite files hold 7 up to seq 7`));
  });

  it('refuses a column of server.db it would drop, before copying anything', async () => {
    const file = new BetterSqlite3(join(dir, 'server.db'));
    file.exec('ALTER TABLE users ADD COLUMN nickname TEXT');
    file.close();
    await expect(migrate()).rejects.toThrow(/users\.nickname of server\.db has no place in the PostgreSQL schema/);
    expect(await postgresRows(database.url, 'SELECT id FROM users')).toEqual([]);
  });

  it('refuses a table of server.db it does not know when it holds rows, and ignores it when empty', async () => {
    const file = new BetterSqlite3(join(dir, 'server.db'));
    file.exec('CREATE TABLE audit (id INTEGER)');
    file.close();
    await expect(migrate()).resolves.toMatchObject({ events: 128 });

    await database.drop();
    database = await createTestDatabase();
    const again = new BetterSqlite3(join(dir, 'server.db'));
    again.exec('INSERT INTO audit VALUES (1)');
    again.close();
    await expect(migrate()).rejects.toThrow(/server\.db has a table audit \(1 rows\)/);
    expect(await postgresRows(database.url, 'SELECT id FROM users')).toEqual([]);
  });

  it('refuses a live project without its event database, and copies a deleted one as empty', async () => {
    unlinkSync(join(dir, 'projects', DELETED, 'events.db'));
    const outcomes: string[] = [];
    await migrate({ onProgress: (p) => p.kind === 'project' && outcomes.push(p.outcome) });
    expect(outcomes).toEqual(['copied', 'copied', 'copied-without-events']);

    await database.drop();
    database = await createTestDatabase();
    unlinkSync(join(dir, 'projects', P2, 'events.db'));
    await expect(migrate()).rejects.toThrow(new RegExp(`event database of project ${P2} is missing`));
  });

  it('lets one run at a time work on a database', async () => {
    await migrate({ onProgress: () => undefined }); // creates the schema
    const other = new Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_RUN_LOCK]);
      await expect(migrate({ resume: true })).rejects.toThrow(/another migrate-to-postgres is running against/);
      await other.query('SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_RUN_LOCK]);
      await expect(migrate({ resume: true })).resolves.toMatchObject({ events: 0 });
    } finally {
      await other.end();
    }
  });

  it('takes the data directory or the server.db path', () => {
    expect(locateSqliteData(dir)).toEqual({ serverDbPath: join(dir, 'server.db'), projectDataDir: join(dir, 'projects') });
    expect(locateSqliteData(join(dir, 'server.db'))).toEqual({ serverDbPath: join(dir, 'server.db'), projectDataDir: join(dir, 'projects') });
    expect(locateSqliteData(join(dir, 'server.db'), join(dir, 'projects'))).toEqual({ serverDbPath: join(dir, 'server.db'), projectDataDir: join(dir, 'projects') });
    expect(() => locateSqliteData(join(dir, 'nothing'))).toThrow(/does not exist/);
    expect(() => locateSqliteData(join(dir, 'projects'))).toThrow(/server\.db does not exist/);
  });
});
