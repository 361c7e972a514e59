import { ApiKeysRepository } from '@td-sync/storage';
import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectError, http } from './support/http';
import { loginViaUserCode, LoggedIn } from './support/login';
import { eventsPartitionsWanted, migrateWithPartitionedEvents } from './support/partitioned-events';
import { storedRow, storedRows } from './support/stored-rows';
import { runTdSync } from './support/td-sync-command';
import { createCaller, startTestServer, TestServer } from './support/test-server';

/**
 * Moving up (issue 13): a deployment built on SQLite through the HTTP API
 * (logins, keys, projects, members, many events with duplicates and odd
 * payload spellings) is stopped, copied into PostgreSQL by the built
 * `td-sync migrate-to-postgres`, and served from there. Users keep their keys (expiry
 * and all), clients keep their cursors: every answer a client could ask for
 * is the same text as before, and the next push continues each project's seqs.
 */

const ENV = {
  SYNC_CODE_LOGIN: 'direct', // loginViaUserCode: the code alone logs in
  SYNC_RATE_LIMIT_AUTH: '0',
  SYNC_RATE_LIMIT_PUSH: '0',
  SYNC_RATE_LIMIT_PULL: '0',
  SYNC_RATE_LIMIT_OTHER: '0',
};

/** Payload texts as no parse-and-stringify gives them back; the event's id goes into each. */
const PAYLOADS = [
  (id: number) => `{"z":${id},"a":{"big":12345678901234567890,"f":1.0,"e":-0.5E-3}}`,
  (id: number) => `{ "spaced" : [ ${id} , {} , [] ] , "s" : "caf\\u00e9 \\"q\\" \\/ \\t" }`,
  (id: number) => `{"u":"日本語 ✓ 𝄞 ${id}","empty":"","nul":null,"t":true}`,
];

function pushBody(device: string, ids: Array<number | string>, entityId = (id: number | string) => `td-${id}`): string {
  const events = ids.map(
    (id, i) =>
      `{"client_action_id":${id},"action_type":"create","entity_type":"issues","entity_id":${JSON.stringify(entityId(id))},` +
      `"payload":${PAYLOADS[i % PAYLOADS.length](i)},"client_timestamp":"2026-01-31T08:15:02.${String(i % 1000).padStart(3, '0')}Z"}`,
  );
  return `{"device_id":"${device}","session_id":"ses-${device}","events":[${events.join(',')}]}`;
}

const range = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);

/** What clients can see of a deployment, as the exact text of each answer. */
interface Observed {
  [request: string]: string;
}

describe('migrate-to-postgres (SQLite built over HTTP, then served from PostgreSQL)', () => {
  let dataDir: string;
  let database: TestDatabase;
  const servers: TestServer[] = [];

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'td-sync-move-up-'));
    database = await createTestDatabase();
    const partitions = eventsPartitionsWanted();
    if (partitions) await migrateWithPartitionedEvents(database.url, partitions, ENV);
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every event, key, project and member, so nobody logs in again and no client re-syncs', async () => {
    const sqlite = await startTestServer(ENV, { dataDir });
    servers.push(sqlite);
    const owner = await loginViaUserCode(sqlite, 'owner@example.com');
    const ownerLaptop = await loginViaUserCode(sqlite, 'owner@example.com');
    const writer = await loginViaUserCode(sqlite, 'writer@example.com');
    const reader = await loginViaUserCode(sqlite, 'Reader@Example.com');
    const leaver = await loginViaUserCode(sqlite, 'leaver@example.com');
    const users = [owner, ownerLaptop, writer, reader];

    const create = async (name: string) => {
      const created = await http<{ id: string }>(sqlite.url, 'POST', '/v1/projects', { apiKey: owner.apiKey, body: { name, description: `the ${name} project` } });
      expect(created.status).toBe(201);
      return created.body.id;
    };
    const [alpha, beta, gone] = [await create('alpha'), await create('beta'), await create('gone')];
    const addMember = async (projectId: string, email: string, role: string) =>
      expect((await http(sqlite.url, 'POST', `/v1/projects/${projectId}/members`, { apiKey: owner.apiKey, body: { email, role } })).status).toBe(201);
    await addMember(alpha, writer.email, 'writer');
    await addMember(alpha, reader.email, 'reader');
    await addMember(beta, writer.email, 'reader');
    await addMember(beta, 'not-yet@example.com', 'writer'); // an account made by the invitation, never logged in

    const pushText = async (user: LoggedIn, projectId: string, body: string) => {
      const result = await http(sqlite.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey: user.apiKey, body });
      expect(result.status).toBe(200);
      return result.text;
    };
    for (let batch = 0; batch < 6; batch++) {
      await pushText(batch % 2 ? writer : owner, alpha, pushBody(`dev-${batch % 2}`, range(batch * 400 + 1, 400)));
    }
    // A retried batch (all duplicates), one that overlaps, a 64-bit id, an empty entity_id.
    const retried = pushBody('dev-0', range(1, 400));
    const retriedAnswer = await pushText(owner, alpha, retried);
    await pushText(writer, alpha, pushBody('dev-1', ['9223372036854775807', 401, 2401, 2402]));
    await pushText(writer, alpha, pushBody('dev-1', [2403, 2404], (id) => (id === 2403 ? '' : `td-${id}`)));
    await pushText(owner, beta, pushBody('laptop', range(1, 30)));
    await pushText(owner, gone, pushBody('laptop', range(1, 5)));
    expect((await http(sqlite.url, 'DELETE', `/v1/projects/${gone}`, { apiKey: owner.apiKey })).status).toBe(204);

    // A revoked key stays revoked.
    const leaverKey = await storedRow<{ id: string }>(sqlite, 'SELECT id FROM api_keys WHERE user_id = ?', leaver.userId);
    await sqlite.app.get(ApiKeysRepository).revoke(leaverKey.id, new Date().toISOString());
    expectError(await http(sqlite.url, 'GET', '/v1/projects', { apiKey: leaver.apiKey }), 401, 'unauthorized');

    const before = await observe(sqlite, users, [alpha, beta, gone]);
    // alpha's 2404 events take 3 pages of 1000 and 2 of 777 (dev-1's left out).
    expect(Object.keys(before).filter((request) => request.includes(`${alpha}/sync/pull`))).toHaveLength(5);
    const rowsBefore = await serverTables(sqlite);
    await sqlite.close();
    servers.splice(servers.indexOf(sqlite), 1);

    // td-sync migrate-to-postgres, as an operator runs it: the built command line.
    const copy = await runTdSync(dataDir, ['migrate-to-postgres', '--from', dataDir, '--to', database.url]);
    expect(copy.code).toBe(0);
    const target = `127.0.0.1:${new URL(database.url).port}/${database.name}`;
    expect(copy.stderr.split('\n')).toEqual([
      `copying ${join(dataDir, 'server.db')} into PostgreSQL at ${target}: 3 projects`,
      expect.stringMatching(/^users: 5, API keys: 5, logins in progress: \d+$/),
      `project 1/3 ${alpha}: copied 2,404 events up to seq 2,404`,
      `project 2/3 ${beta}: copied 30 events up to seq 30`,
      `project 3/3 ${gone}: copied 5 events up to seq 5`,
      '',
    ]);
    expect(copy.stdout).toBe('done: 3 projects copied, 2,439 events\nstart td-sync with SYNC_DATABASE_URL set to this database\n');
    expect(copy.stdout + copy.stderr).not.toContain(new URL(database.url).password);

    // A second run finds the target holding data: refused, unless resuming, which finds every project done.
    const again = await runTdSync(dataDir, ['migrate-to-postgres', '--from', join(dataDir, 'server.db'), '--to', database.url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^td-sync: PostgreSQL at \S+ already holds data \(5 users, 5 api_keys, \d+ auth_requests, 3 projects, 7 memberships, 2439 events\)\..*--resume/);
    const resumed = await runTdSync(dataDir, ['migrate-to-postgres', '--from', dataDir, '--to', database.url, '--resume', '--json']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`project 1/3 ${alpha}: already copied (2,404 events up to seq 2,404)`);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ projects: { copied: 0, 'already-copied': 3 }, events: 0 });

    const postgres = await startTestServer(ENV, { backend: 'postgres', database });
    servers.push(postgres);
    // Read before any key is used again (which moves its last_used_at).
    expect(await serverTables(postgres)).toEqual(rowsBefore);
    expect(await observe(postgres, users, [alpha, beta, gone])).toEqual(before);
    expectError(await http(postgres.url, 'GET', '/v1/projects', { apiKey: leaver.apiKey }), 401, 'unauthorized');

    // Cursors continue: a batch sent again is duplicates with the seqs it had, the next new event takes the next seq.
    expect(await pushTextTo(postgres, owner, alpha, retried)).toBe(retriedAnswer);
    const next = JSON.parse(await pushTextTo(postgres, writer, alpha, pushBody('dev-new', [1]))) as { acks: Array<{ server_seq: number }> };
    expect(next.acks).toEqual([{ client_action_id: 1, server_seq: 2404 + 1 }]);
    const nextBeta = JSON.parse(await pushTextTo(postgres, owner, beta, pushBody('laptop', [31]))) as { acks: Array<{ server_seq: number }> };
    expect(nextBeta.acks).toEqual([{ client_action_id: 31, server_seq: 31 }]);
  }, 180_000);

  it('takes the server\'s own settings for what it is not told, and says what it needs', async () => {
    const sqlite = await startTestServer(ENV, { dataDir });
    await createCaller(sqlite, 'only@example.com');
    await sqlite.close();
    servers.splice(0);

    const missing = await runTdSync(dataDir, ['migrate-to-postgres']);
    expect({ code: missing.code, stderr: missing.stderr }).toEqual({
      code: 2,
      stderr: 'td-sync: --to <postgres:// URL> is required (or SYNC_DATABASE_URL) (see `td-sync migrate-to-postgres --help`)\n',
    });
    expect((await runTdSync(dataDir, ['migrate-to-postgres', '--to', 'mysql://db/x', '--from', dataDir])).code).toBe(2);
    const nowhere = await runTdSync(dataDir, ['migrate-to-postgres', '--to', database.url, '--from', join(dataDir, 'nothing')]);
    expect({ code: nowhere.code, stderr: nowhere.stderr }).toEqual({ code: 1, stderr: expect.stringContaining('nothing does not exist') });
    const help = await runTdSync(dataDir, ['migrate-to-postgres', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: td-sync migrate-to-postgres \[options\]\n/);

    const fromSettings = await runTdSync(dataDir, ['migrate-to-postgres'], { SYNC_DATABASE_URL: database.url });
    expect({ code: fromSettings.code, stderr: fromSettings.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('0 projects') });
    expect(fromSettings.stdout).toMatch(/^done: 0 projects copied, 0 events\n/);
    expect(await storedRows(await startTestServer(ENV, { backend: 'postgres', database }).then((s) => (servers.push(s), s)), 'SELECT email FROM users')).toEqual([
      { email: 'only@example.com' },
    ]);
  });
});

async function pushTextTo(server: TestServer, user: LoggedIn, projectId: string, body: string): Promise<string> {
  const result = await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey: user.apiKey, body });
  expect(result.status).toBe(200);
  return result.text;
}

/**
 * The text of every answer a client of these users could get: their
 * projects, each project's members and status, and every pull page (with
 * and without exclude_client, at two page sizes) through to the end.
 */
async function observe(server: TestServer, users: LoggedIn[], projects: string[]): Promise<Observed> {
  const seen: Observed = {};
  const get = async (user: LoggedIn, path: string) => {
    const result = await http(server.url, 'GET', path, { apiKey: user.apiKey });
    seen[`${user.email} ${user.apiKey.slice(-4)} GET ${path}`] = `${result.status} ${result.text}`;
    return result;
  };
  for (const user of users) {
    await get(user, '/v1/projects');
    for (const projectId of projects) {
      await get(user, `/v1/projects/${projectId}`);
      await get(user, `/v1/projects/${projectId}/members`);
      await get(user, `/v1/projects/${projectId}/sync/status`);
    }
  }
  const [owner] = users;
  for (const projectId of projects) {
    for (const query of ['limit=1000', 'limit=777&exclude_client=dev-1']) {
      for (let after = 0; ; ) {
        const page = await get(owner, `/v1/projects/${projectId}/sync/pull?after_server_seq=${after}&${query}`);
        if (page.status !== 200) break;
        const body = page.body as { last_server_seq: number; has_more: boolean };
        if (!body.has_more) break;
        after = body.last_server_seq;
      }
    }
  }
  return seen;
}

/** The server tables' rows, in a stable order, as either backend stores them (insertion_order is PostgreSQL's alone). */
async function serverTables(server: TestServer): Promise<Record<string, unknown[]>> {
  return {
    users: await storedRows(server, 'SELECT id, email, created_at FROM users ORDER BY id'),
    api_keys: await storedRows(server, 'SELECT id, user_id, key_hash, key_prefix, name, scopes, expires_at, last_used_at, revoked_at, created_at FROM api_keys ORDER BY id'),
    projects: await storedRows(server, 'SELECT id, name, description, created_at, updated_at, deleted_at FROM projects ORDER BY id'),
    memberships: await storedRows(server, 'SELECT project_id, user_id, role, invited_by, created_at FROM memberships ORDER BY project_id, user_id'),
  };
}
