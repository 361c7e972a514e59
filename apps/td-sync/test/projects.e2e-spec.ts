import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectDatabasePath, serverCount, storedEvents, withDatabase } from './support/database-files';
import { expectError, http } from './support/http';
import { expectFailureLogged } from './support/log-capture';
import {
  createProject,
  createTeam,
  listMembers,
  listProjects,
  messageOf,
  newCaller,
  PROJECT_ID,
  ProjectBody,
  TIMESTAMP,
} from './support/projects';
import { atLeast, describeRoleTable, everyUser, projectAsOwner, RouteCase } from './support/role-table';
import { storedCount, storedRow } from './support/stored-rows';
import { makeEvent, push } from './support/sync';
import { Caller, describeEachBackend, startTestServer, TestServer } from './support/test-server';

describeEachBackend('projects (PROTOCOL.md, Projects)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({}, { backend });
  });
  afterAll(() => server.close());

  const post = (caller: Caller, body: unknown) => http<ProjectBody>(server.url, 'POST', '/v1/projects', { apiKey: caller.apiKey, body });
  const patch = (caller: Caller, id: string, body: unknown) =>
    http<ProjectBody>(server.url, 'PATCH', `/v1/projects/${id}`, { apiKey: caller.apiKey, body });
  const get = (caller: Caller, id: string) => http<ProjectBody>(server.url, 'GET', `/v1/projects/${id}`, { apiKey: caller.apiKey });

  describe('POST /v1/projects', () => {
    it('answers 201 with exactly the project fields, and makes the caller its owner', async () => {
      const owner = await newCaller(server);
      const result = await post(owner, { name: 'Backend', description: 'API work' });
      expect(result.status).toBe(201);
      expect(result.headers.get('content-type')).toMatch(/^application\/json/);
      const project = result.body;
      expect(Object.keys(project)).toEqual(['id', 'name', 'description', 'created_at', 'updated_at']);
      expect(project).toMatchObject({ name: 'Backend', description: 'API work' });
      expect(project.id).toMatch(PROJECT_ID);
      expect(project.created_at).toMatch(TIMESTAMP);
      expect(project.updated_at).toBe(project.created_at);

      const members = await listMembers(server, owner, project.id);
      expect(members).toEqual([
        { project_id: project.id, user_id: owner.userId, role: 'owner', invited_by: '', created_at: expect.stringMatching(TIMESTAMP) },
      ]);
    });

    it("creates the project's event log: an events database (SQLite), a counter row at seq 0 (PostgreSQL)", async () => {
      const project = await createProject(server, await newCaller(server));
      if (backend === 'sqlite') {
        expect(existsSync(join(server.dataDir, 'projects', project.id, 'events.db'))).toBe(true);
        const table = withDatabase(projectDatabasePath(server.dataDir, project.id), (db) =>
          db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'`).pluck().get(),
        );
        expect(table).toBe('events');
      } else {
        expect(await storedRow(server, 'SELECT last_seq, event_count, last_event_time FROM project_seqs WHERE project_id = ?', project.id)).toEqual({
          last_seq: '0',
          event_count: '0',
          last_event_time: null,
        });
      }
    });

    it('gives every project its own id', async () => {
      const owner = await newCaller(server);
      const a = await createProject(server, owner, { name: 'same name' });
      const b = await createProject(server, owner, { name: 'same name' });
      expect(a.id).not.toBe(b.id);
    });

    it('trims the name and keeps the description as sent', async () => {
      const project = await createProject(server, await newCaller(server), { name: '  Spaced out \n', description: '  keep  ' });
      expect(project).toMatchObject({ name: 'Spaced out', description: '  keep  ' });
    });

    it('treats a missing or null description as empty, as td sends one always', async () => {
      const owner = await newCaller(server);
      expect((await createProject(server, owner, { name: 'a' })).description).toBe('');
      expect((await createProject(server, owner, { name: 'b', description: null })).description).toBe('');
      expect((await createProject(server, owner, { name: 'c', description: '' })).description).toBe('');
    });

    it('accepts names up to 200 characters, counting an emoji once, and descriptions up to 10,000', async () => {
      const owner = await newCaller(server);
      expect((await post(owner, { name: 'n'.repeat(200) })).status).toBe(201);
      expect((await post(owner, { name: '🚀'.repeat(200) })).status).toBe(201);
      expect((await post(owner, { name: 'ok', description: 'd'.repeat(10_000) })).status).toBe(201);
    });

    it('ignores unknown fields, including ones that look like server-owned fields', async () => {
      const owner = await newCaller(server);
      const result = await post(owner, { name: 'ok', id: 'p_0000000000000001', created_at: 'yesterday', deleted_at: 'now', extra: { a: 1 } });
      expect(result.status).toBe(201);
      expect(result.body.id).not.toBe('p_0000000000000001');
      expect(result.body.created_at).toMatch(TIMESTAMP);
      expect(result.body).not.toHaveProperty('extra');
      expect(result.body).not.toHaveProperty('deleted_at');
    });

    it.each([
      ['no body', undefined, 'name is required'],
      ['an empty object', {}, 'name is required'],
      ['a null name', { name: null }, 'name is required'],
      ['an empty name', { name: '' }, 'name must not be empty'],
      ['a blank name', { name: '   \t ' }, 'name must not be empty'],
      ['a numeric name', { name: 42 }, 'name must be a string'],
      ['an array name', { name: ['a'] }, 'name must be a string'],
      ['a 201-character name', { name: 'n'.repeat(201) }, 'name must be at most 200 characters'],
      ['a numeric description', { name: 'ok', description: 3 }, 'description must be a string'],
      ['a 10,001-character description', { name: 'ok', description: 'd'.repeat(10_001) }, 'description must be at most 10000 characters'],
      ['a JSON array', [{ name: 'ok' }], undefined],
      ['a JSON string', 'ok', undefined],
    ])('answers 400 for %s, and creates nothing', async (_case, body, message) => {
      const owner = await newCaller(server);
      const result = await http(server.url, 'POST', '/v1/projects', {
        apiKey: owner.apiKey,
        body: typeof body === 'string' ? JSON.stringify(body) : body,
      });
      expectError(result, 400, 'bad_request');
      if (message) expect(messageOf(result)).toBe(message);
      expect(await listProjects(server, owner)).toEqual([]);
    });
  });

  describe('GET /v1/projects', () => {
    it('answers [] for a user with no projects', async () => {
      const result = await http(server.url, 'GET', '/v1/projects', { apiKey: (await newCaller(server)).apiKey });
      expect(result.status).toBe(200);
      expect(result.body).toEqual([]);
    });

    it("lists the caller's live projects, oldest first, whatever their role, and no one else's", async () => {
      const me = await newCaller(server, 'me');
      const other = await newCaller(server, 'other');
      const first = await createProject(server, me, { name: 'first' });
      const notMine = await createProject(server, other, { name: 'not mine' });
      const shared = await createProject(server, other, { name: 'shared with me' });
      await http(server.url, 'POST', `/v1/projects/${shared.id}/members`, { apiKey: other.apiKey, body: { email: me.email, role: 'reader' } });
      const third = await createProject(server, me, { name: 'third' });
      const deleted = await createProject(server, me, { name: 'deleted' });
      expect((await http(server.url, 'DELETE', `/v1/projects/${deleted.id}`, { apiKey: me.apiKey })).status).toBe(204);

      const listed = await listProjects(server, me);
      expect(listed.map((p) => p.name)).toEqual(['first', 'shared with me', 'third']);
      expect(listed[0]).toEqual(first);
      expect(listed.map((p) => p.id)).not.toContain(notMine.id);
      expect(listed[2]).toEqual(third);
    });
  });

  describe('GET /v1/projects/{id}', () => {
    it('answers the project as it was created', async () => {
      const owner = await newCaller(server);
      const project = await createProject(server, owner, { name: 'readable', description: 'text' });
      const result = await get(owner, project.id);
      expect(result.status).toBe(200);
      expect(result.body).toEqual(project);
    });

    it.each([
      ['an unknown id', 'p_0123456789abcdef'],
      ['a malformed id', 'not-a-project'],
      ['an id with upper-case hex', 'P_0123456789ABCDEF'],
      ['a path-like id', '..%2F..%2Fserver.db'],
    ])('answers 404 not_found for %s', async (_case, id) => {
      const result = await get(await newCaller(server), id);
      expectError(result, 404, 'not_found');
      expect(messageOf(result)).toBe('project not found');
    });
  });

  describe('PATCH /v1/projects/{id}', () => {
    it('changes only the fields sent, and moves updated_at', async () => {
      const owner = await newCaller(server);
      const project = await createProject(server, owner, { name: 'before', description: 'kept' });

      const renamed = await patch(owner, project.id, { name: '  after  ' });
      expect(renamed.status).toBe(200);
      expect(Object.keys(renamed.body)).toEqual(['id', 'name', 'description', 'created_at', 'updated_at']);
      expect(renamed.body).toMatchObject({ id: project.id, name: 'after', description: 'kept', created_at: project.created_at });
      expect(renamed.body.updated_at >= project.updated_at).toBe(true);

      const described = await patch(owner, project.id, { description: 'new text' });
      expect(described.body).toMatchObject({ name: 'after', description: 'new text' });

      const cleared = await patch(owner, project.id, { description: '' });
      expect(cleared.body).toMatchObject({ name: 'after', description: '' });

      expect((await get(owner, project.id)).body).toEqual(cleared.body);
    });

    it('leaves everything as it is for an empty body, null fields and unknown fields', async () => {
      const owner = await newCaller(server);
      const project = await createProject(server, owner, { name: 'stable', description: 'same' });
      for (const body of [undefined, {}, { name: null, description: null }, { id: 'p_0000000000000000', colour: 'red' }]) {
        const result = await patch(owner, project.id, body);
        expect(result.status).toBe(200);
        expect(result.body).toEqual(project);
      }
    });

    it.each([
      ['an empty name', { name: '' }, 'name must not be empty'],
      ['a blank name', { name: '  ' }, 'name must not be empty'],
      ['a numeric name', { name: 7 }, 'name must be a string'],
      ['a 201-character name', { name: 'n'.repeat(201) }, 'name must be at most 200 characters'],
      ['a boolean description', { description: false }, 'description must be a string'],
      ['a 10,001-character description', { description: 'd'.repeat(10_001) }, 'description must be at most 10000 characters'],
      ['a good name with a bad description', { name: 'fine', description: 5 }, 'description must be a string'],
    ])('answers 400 for %s and changes nothing', async (_case, body, message) => {
      const owner = await newCaller(server);
      const project = await createProject(server, owner, { name: 'untouched', description: 'as is' });
      const result = await patch(owner, project.id, body);
      expectError(result, 400, 'bad_request');
      expect(messageOf(result)).toBe(message);
      expect((await get(owner, project.id)).body).toEqual(project);
    });

    it('answers 404 for an unknown project', async () => {
      expectError(await patch(await newCaller(server), 'p_00000000000000ff', { name: 'x' }), 404, 'not_found');
    });
  });

  describe('DELETE /v1/projects/{id} (soft delete)', () => {
    it('answers 204 with no body; afterwards every route of the project answers 404, to members and strangers alike', async () => {
      const team = await createTeam(server);
      const id = team.project.id;
      const result = await http(server.url, 'DELETE', `/v1/projects/${id}`, { apiKey: team.owner.apiKey });
      expect(result.status).toBe(204);
      expect(result.text).toBe('');

      const routes: Array<[string, string, unknown?]> = [
        ['GET', `/v1/projects/${id}`],
        ['PATCH', `/v1/projects/${id}`, { name: 'revived' }],
        ['DELETE', `/v1/projects/${id}`],
        ['POST', `/v1/projects/${id}/members`, { email: 'late@example.com', role: 'reader' }],
        ['GET', `/v1/projects/${id}/members`],
        ['PATCH', `/v1/projects/${id}/members/${team.reader.userId}`, { role: 'writer' }],
        ['DELETE', `/v1/projects/${id}/members/${team.reader.userId}`],
        // The sync routes sit behind the same role guard (libs/sync).
        ['POST', `/v1/projects/${id}/sync/push`, { device_id: 'd', session_id: 's', events: [] }],
        // A push that would be stored on a live project is refused the same way.
        ['POST', `/v1/projects/${id}/sync/push`, { device_id: 'd', session_id: 's', events: [makeEvent(1)] }],
        ['GET', `/v1/projects/${id}/sync/pull`],
        ['GET', `/v1/projects/${id}/sync/status`],
        ['GET', `/v1/projects/${id}/sync/snapshot`],
      ];
      for (const caller of [team.owner, team.writer, team.reader, team.outsider]) {
        for (const [method, path, body] of routes) {
          const answer = await http(server.url, method, path, { apiKey: caller.apiKey, body });
          expectError(answer, 404, 'not_found');
        }
      }
      for (const caller of [team.owner, team.writer, team.reader]) {
        expect((await listProjects(server, caller)).map((p) => p.id)).not.toContain(id);
      }
    });

    it('keeps the events: a soft delete destroys no data', async () => {
      const owner = await newCaller(server);
      const project = await createProject(server, owner);
      expect((await push(server, owner, project.id, { device_id: 'd', session_id: 's', events: [makeEvent(1)] })).status).toBe(200);
      await http(server.url, 'DELETE', `/v1/projects/${project.id}`, { apiKey: owner.apiKey });
      const kept =
        backend === 'sqlite' ? storedEvents(server.dataDir, project.id).length : await storedCount(server, 'SELECT count(*) FROM events WHERE project_id = ?', project.id);
      expect(kept).toBe(1);
      const row = await storedRow<{ deleted_at: string }>(server, 'SELECT deleted_at FROM projects WHERE id = ?', project.id);
      expect(row.deleted_at).toMatch(TIMESTAMP);
    });
  });
});

describe('project creation when the event database cannot be made', () => {
  let server: TestServer;
  const scratch = mkdtempSync(join(tmpdir(), 'td-sync-blocked-'));

  beforeAll(async () => {
    // The project data directory would have to live inside a regular file.
    const blocker = join(scratch, 'blocker');
    writeFileSync(blocker, 'not a directory');
    server = await startTestServer({ SYNC_PROJECT_DATA_DIR: join(blocker, 'projects') });
  });
  afterAll(async () => {
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers 500 internal_error without a path in the message, and leaves no project behind', async () => {
    const owner = await newCaller(server);
    const result = await http(server.url, 'POST', '/v1/projects', { apiKey: owner.apiKey, body: { name: 'doomed' } });
    expectError(result, 500, 'internal_error');
    expect(messageOf(result)).not.toMatch(/\//);
    expectFailureLogged(result);
    expect(await listProjects(server, owner)).toEqual([]);
    expect(serverCount(server.dataDir, 'SELECT count(*) FROM projects')).toBe(0);
    expect(serverCount(server.dataDir, 'SELECT count(*) FROM memberships')).toBe(0);
  });
});

/** PROTOCOL.md, Projects: the role each route needs, for every kind of caller (support/role-table.ts). */
const projectRoutes: RouteCase[] = [
  {
    route: 'POST /v1/projects',
    request: () => ({ method: 'POST', path: '/v1/projects', body: { name: 'my own', description: '' } }),
    expected: everyUser(201),
    async verify(server, _f, result, allowed, caller) {
      if (!allowed || !caller) return;
      const project = result.body as ProjectBody;
      expect(project.id).toMatch(PROJECT_ID);
      expect((await listProjects(server, caller)).map((p) => p.id)).toContain(project.id);
      expect(await listMembers(server, caller, project.id)).toEqual([expect.objectContaining({ user_id: caller.userId, role: 'owner' })]);
    },
  },
  {
    route: 'GET /v1/projects',
    request: () => ({ method: 'GET', path: '/v1/projects' }),
    expected: everyUser(200),
    async verify(_server, f, result, allowed, caller) {
      if (!allowed || !caller) return;
      const ids = (result.body as ProjectBody[]).map((p) => p.id);
      if (caller === f.outsider) expect(ids).toEqual([]);
      else expect(ids).toEqual([f.project.id]);
    },
  },
  {
    route: 'GET /v1/projects/{id}',
    request: (f) => ({ method: 'GET', path: `/v1/projects/${f.project.id}` }),
    expected: atLeast('reader', 200),
    role: 'reader',
    async verify(_server, f, result, allowed) {
      if (allowed) expect(result.body).toEqual(f.project);
    },
  },
  {
    route: 'PATCH /v1/projects/{id}',
    request: (f) => ({ method: 'PATCH', path: `/v1/projects/${f.project.id}`, body: { name: 'renamed' } }),
    expected: atLeast('writer', 200),
    role: 'writer',
    async verify(server, f, result, allowed) {
      if (allowed) expect(result.body).toMatchObject({ id: f.project.id, name: 'renamed', description: f.project.description });
      expect((await projectAsOwner(server, f)).body.name).toBe(allowed ? 'renamed' : f.project.name);
    },
  },
  {
    route: 'DELETE /v1/projects/{id}',
    request: (f) => ({ method: 'DELETE', path: `/v1/projects/${f.project.id}` }),
    expected: atLeast('owner', 204),
    role: 'owner',
    async verify(server, f, _result, allowed) {
      expect((await projectAsOwner(server, f)).status).toBe(allowed ? 404 : 200);
    },
  },
];

describeRoleTable('the role table of PROTOCOL.md, Projects', projectRoutes);
