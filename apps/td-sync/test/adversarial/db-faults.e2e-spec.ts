import Database from 'better-sqlite3';
import { chmodSync, chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { projectDatabasePath, storedEvents } from '../support/database-files';
import { expectError, http, HttpResult } from '../support/http';
import { expectFailureLogged, expectHealthCheckFailureLogged } from '../support/log-capture';
import { loginViaUserCode } from '../support/login';
import { spawnServer, SpawnedServer } from '../support/spawned-server';
import { Caller, createCaller, startTestServer, TestServer } from '../support/test-server';
import { createProject, makeEvents, pull, push } from '../support/sync';

/**
 * Issue 9, database faults at run time. A project database that vanishes,
 * turns into something else or becomes read-only costs that project a 500
 * (never an acknowledgement of events that are not on disk), and nothing
 * else: other projects keep working, /healthz keeps telling the truth about
 * the server database, the process stays up. Tests run as root in CI, where
 * file modes stop nothing, so the faults are made in ways that hold for root
 * too: removing and replacing files and directories, marking a database
 * read-only in its own header, and running the server as an unprivileged user
 * when the spec is root.
 */

const UNLIMITED = { SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_PULL: '0', SYNC_RATE_LIMIT_OTHER: '0' };

/** Every sync route of a project answers 500 internal_error, with nothing from the file system in the message. */
async function expectServerErrorOnEveryRoute(server: TestServer | SpawnedServer, caller: Caller, projectId: string, actionId: number): Promise<void> {
  const answers: HttpResult[] = [
    await push(server as TestServer, caller, projectId, { device_id: 'd', session_id: 's', events: makeEvents(actionId, 2) }),
    await pull(server as TestServer, caller, projectId),
    await http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: caller.apiKey }),
  ];
  for (const answer of answers) {
    expectError(answer, 500, 'internal_error');
    expect(answer.text).not.toMatch(/\/|events\.db|SQLITE|sqlite/);
    // An in-process server's log is captured; a spawned one's is its stdout.
    if ('app' in server) expectFailureLogged(answer);
  }
}

/** Marks a SQLite file read-only the way SQLite itself honours: a write format version it does not know (header byte 18). */
function markReadOnly(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.from([3]), 0, 1, 18);
  } finally {
    closeSync(fd);
  }
}

describe('database faults at run time (in process)', () => {
  let server: TestServer;
  let owner: Caller;
  let healthy: string;
  let actionId = 100;

  beforeAll(async () => {
    server = await startTestServer(UNLIMITED);
    owner = await createCaller(server, 'faults@example.com');
    healthy = await createProject(server, owner, 'healthy');
  });
  afterAll(() => server.close());

  /** The rest of the server is unaffected: another project takes pushes, /healthz is 200 with the server database up. */
  async function expectRestUnaffected(): Promise<void> {
    const pushed = await push(server, owner, healthy, { device_id: 'h', session_id: 's', events: makeEvents(++actionId, 1) });
    expect(pushed.status).toBe(200);
    const health = await http(server.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', info: { server_db: { status: 'up' } } });
  }

  /** A project with 5 events whose database is open in the server. */
  async function openProject(name: string): Promise<string> {
    const projectId = await createProject(server, owner, name);
    expect((await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 5) })).status).toBe(200);
    return projectId;
  }

  it('a project database deleted while open: 500 for that project, never an acknowledgement of events that are not on disk', async () => {
    const projectId = await openProject('deleted');
    const serverErrorsBefore = (await http(server.url, 'GET', '/metricz')).body.server_errors as number;
    rmSync(dirname(projectDatabasePath(server.dataDir, projectId)), { recursive: true });

    await expectServerErrorOnEveryRoute(server, owner, projectId, ++actionId);
    expect((await http(server.url, 'GET', '/metricz')).body.server_errors).toBe(serverErrorsBefore + 3);
    // Nothing was written anywhere for it: the directory is not even recreated.
    expect(existsSync(dirname(projectDatabasePath(server.dataDir, projectId)))).toBe(false);
    await expectRestUnaffected();
  });

  it('a project directory replaced by a regular file: 500 for that project only', async () => {
    const projectId = await openProject('directory-is-a-file');
    const dir = dirname(projectDatabasePath(server.dataDir, projectId));
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a directory');

    await expectServerErrorOnEveryRoute(server, owner, projectId, ++actionId);
    await expectRestUnaffected();
  });

  it('a project database replaced under the server (a restore): served from the file now at the path', async () => {
    const projectId = await openProject('restored');
    const path = projectDatabasePath(server.dataDir, projectId);
    const backup = join(server.dataDir, 'backup.db');
    // A consistent copy with 5 events, then two more pushed that the "restore" will lose.
    const source = new Database(path);
    await source.backup(backup);
    source.close();
    expect((await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(6, 2) })).status).toBe(200);
    renameSync(backup, path);

    const after = await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(6, 1) });
    expect(after.status).toBe(200);
    expect(after.body.acks).toEqual([{ client_action_id: 6, server_seq: 6 }]);
    // The acknowledged event is in the file on disk, not in the replaced one.
    expect(storedEvents(server.dataDir, projectId).map((e) => e.server_seq)).toEqual([1, 2, 3, 4, 5, 6]);
    await expectRestUnaffected();
  });

  it('a project database that became read-only: its pushes 500 and store nothing, its pulls still work', async () => {
    const projectId = await openProject('read-only');
    const path = projectDatabasePath(server.dataDir, projectId);
    const copy = join(server.dataDir, 'read-only.db');
    const source = new Database(path);
    await source.backup(copy);
    source.close();
    markReadOnly(copy);
    renameSync(copy, path);

    const pushed = await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(50, 3) });
    expectError(pushed, 500, 'internal_error');
    expectFailureLogged(pushed);
    const pulled = await pull(server, owner, projectId);
    expect(pulled.status).toBe(200);
    expect(pulled.body.events.map((e) => e.server_seq)).toEqual([1, 2, 3, 4, 5]);
    expect(storedEvents(server.dataDir, projectId)).toHaveLength(5);
    await expectRestUnaffected();
  });

  it('/healthz reports the server database down once its file is deleted under the server, and never crashes', async () => {
    const own = await startTestServer(UNLIMITED);
    try {
      expect((await http(own.url, 'GET', '/healthz')).status).toBe(200);
      for (const suffix of ['', '-wal', '-shm']) rmSync(join(own.dataDir, `server.db${suffix}`), { force: true });
      const health = await http(own.url, 'GET', '/healthz');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'error', error: { server_db: { status: 'down' } } });
      expectHealthCheckFailureLogged(health, 'server database file was removed or replaced while open');
      expect((await http(own.url, 'GET', '/metricz')).status).toBe(200);
    } finally {
      await own.close();
    }
  });
});

/**
 * A read-only disk for real: file modes, which only bind a process that is not
 * root. When the spec runs as root (as in CI), the built server runs as the
 * unprivileged user nobody.
 */
describe('a data directory that becomes read-only at run time (built server, file modes)', () => {
  let server: SpawnedServer | undefined;
  let dataDir: string | undefined;
  const unprivileged = typeof process.getuid === 'function' && process.getuid() === 0 ? 65534 : undefined;

  afterEach(async () => {
    if (server && server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
    if (server) await server.exited;
    if (dataDir) {
      chmodTree(dataDir, true);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('costs the affected projects a 500 and new projects a clean 500; everything works again once it is writable', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'td-sync-readonly-'));
    if (unprivileged !== undefined) chownSync(dataDir, unprivileged, unprivileged);
    // One project database open at a time, so requests reopen the database from disk.
    server = await spawnServer({
      dataDir,
      uid: unprivileged,
      env: { ...UNLIMITED, SYNC_RATE_LIMIT_AUTH: '0', SYNC_MAX_OPEN_PROJECTS: '1', SYNC_CODE_LOGIN: 'direct' },
    });
    const user = await loginViaUserCode(server, 'readonly@example.com');
    const caller: Caller = { apiKey: user.apiKey, email: user.email, userId: user.userId };
    const create = (name: string) => http<{ id: string }>(server!.url, 'POST', '/v1/projects', { apiKey: caller.apiKey, body: { name } });
    const first = (await create('one')).body.id;
    const second = (await create('two')).body.id;
    expect((await push(server as unknown as TestServer, caller, first, { device_id: 'd', session_id: 's', events: makeEvents(1, 3) })).status).toBe(200);
    expect((await push(server as unknown as TestServer, caller, second, { device_id: 'd', session_id: 's', events: makeEvents(1, 3) })).status).toBe(200);

    // The project data directory turns read-only (as a remount would make it); `first` is closed, `second` open.
    chmodTree(join(dataDir, 'projects'), false);
    const pushed = await push(server as unknown as TestServer, caller, first, { device_id: 'd', session_id: 's', events: makeEvents(4, 2) });
    expectError(pushed, 500, 'internal_error');
    expect(pushed.text).not.toContain(dataDir);
    const created = await create('three');
    expectError(created, 500, 'internal_error');
    expect(readdirSync(join(dataDir, 'projects')).sort()).toEqual([first, second].sort());
    const health = await http(server.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect((await http<unknown[]>(server.url, 'GET', '/v1/projects', { apiKey: caller.apiKey })).body).toHaveLength(2);

    // Writable again: no restart needed, nothing was lost or half-written.
    chmodTree(join(dataDir, 'projects'), true);
    const again = await push(server as unknown as TestServer, caller, first, { device_id: 'd', session_id: 's', events: makeEvents(4, 2) });
    expect(again.status).toBe(200);
    expect(again.body.acks.map((a) => a.server_seq)).toEqual([4, 5]);
    expect((await create('three')).status).toBe(201);
    expect(server.process.exitCode).toBeNull();
  });
});

/** Directories 0555 / files 0444 (or back to 0755 / 0644), everything under `root` included. */
function chmodTree(root: string, writable: boolean): void {
  if (!existsSync(root)) return;
  const visit = (path: string, isDir: boolean) => {
    if (isDir) {
      if (writable) chmodSync(path, 0o755);
      for (const entry of readdirSync(path, { withFileTypes: true })) visit(join(path, entry.name), entry.isDirectory());
      if (!writable) chmodSync(path, 0o555);
    } else {
      chmodSync(path, writable ? 0o644 : 0o444);
    }
  };
  visit(root, true);
}
