import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/create-app';
import { Caller, createCaller, TestServer } from './support/test-server';
import { createProject, makeEvents, pullAll, push } from './sync-helpers';

/** A server on a data directory this spec owns, so it can be stopped and started again on the same files. */
async function serverOn(dataDir: string): Promise<TestServer> {
  const app = await createApp({
    SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'),
    SYNC_PROJECT_DATA_DIR: join(dataDir, 'projects'),
    SYNC_LOG_LEVEL: 'error',
    SYNC_RATE_LIMIT_PUSH: '0',
    SYNC_RATE_LIMIT_PULL: '0',
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, dataDir, close: () => app.close() };
}

describe('durability of an acknowledged push', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'td-sync-durability-'));
  const copyDir = mkdtempSync(join(tmpdir(), 'td-sync-crash-copy-'));
  let server: TestServer;
  let owner: Caller;
  let projectId: string;

  beforeAll(async () => {
    server = await serverOn(dataDir);
    owner = await createCaller(server, 'durable@example.com');
    projectId = await createProject(server, owner);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(copyDir, { recursive: true, force: true });
  });

  it('is in the database files on disk the moment the 200 is sent, before any checkpoint or shutdown', async () => {
    const result = await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 300) });
    expect(result.status).toBe(200);

    // What a process killed right now would leave behind: the database and its WAL as they are on disk.
    const source = join(dataDir, 'projects', projectId, 'events.db');
    copyFileSync(source, join(copyDir, 'events.db'));
    if (existsSync(`${source}-wal`)) copyFileSync(`${source}-wal`, join(copyDir, 'events.db-wal'));
    const copy = new Database(join(copyDir, 'events.db'));
    try {
      expect(copy.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(300);
      expect(copy.prepare('SELECT payload FROM events WHERE server_seq = 300').pluck().get()).toBe(JSON.stringify(makeEvents(300, 1)[0].payload));
    } finally {
      copy.close();
    }
  });

  it('survives a restart, and server_seq carries on where it stopped', async () => {
    await server.close();
    server = await serverOn(dataDir);
    expect(await pullAll(server, owner, projectId)).toHaveLength(300);
    const more = await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(301, 2) });
    expect(more.body.acks.map((a) => a.server_seq)).toEqual([301, 302]);
    const again = await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 1) });
    expect(again.body.rejected).toEqual([{ client_action_id: 1, reason: 'duplicate', server_seq: 1 }]);
  });
});
