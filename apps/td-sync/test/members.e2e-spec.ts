import { UsersService } from '@td-sync/auth';
import { expectError, http } from './support/http';
import {
  addMember,
  createProject,
  createTeam,
  listMembers,
  listProjects,
  MemberBody,
  messageOf,
  newCaller,
  TIMESTAMP,
  USER_ID,
} from './support/projects';
import { atLeast, describeRoleTable, roleOf, RouteCase } from './support/role-table';
import { Caller, createCaller, describeEachBackend, startTestServer, TestServer } from './support/test-server';

describeEachBackend('members (PROTOCOL.md, Members)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({}, { backend });
  });
  afterAll(() => server.close());

  const membersPath = (projectId: string, userId?: string) => `/v1/projects/${projectId}/members${userId ? `/${userId}` : ''}`;
  const add = (owner: Caller, projectId: string, body: unknown) =>
    http<MemberBody>(server.url, 'POST', membersPath(projectId), { apiKey: owner.apiKey, body });
  const setRole = (owner: Caller, projectId: string, userId: string, body: unknown) =>
    http(server.url, 'PATCH', membersPath(projectId, userId), { apiKey: owner.apiKey, body });
  const remove = (owner: Caller, projectId: string, userId: string) =>
    http(server.url, 'DELETE', membersPath(projectId, userId), { apiKey: owner.apiKey });
  const roleIn = async (projectId: string, viewer: Caller, member: Caller | string) => {
    const id = typeof member === 'string' ? member : member.userId;
    return (await listMembers(server, viewer, projectId)).find((m) => m.user_id === id)?.role;
  };

  describe('POST /v1/projects/{id}/members', () => {
    it('adds an existing user by email: 201 with exactly the member fields', async () => {
      const owner = await newCaller(server, 'owner');
      const teammate = await newCaller(server, 'teammate');
      const project = await createProject(server, owner);
      const result = await add(owner, project.id, { email: teammate.email, role: 'writer' });
      expect(result.status).toBe(201);
      expect(Object.keys(result.body)).toEqual(['project_id', 'user_id', 'email', 'role', 'invited_by', 'created_at']);
      expect(result.body).toEqual({
        project_id: project.id,
        user_id: teammate.userId,
        email: teammate.email,
        role: 'writer',
        invited_by: owner.userId,
        created_at: expect.stringMatching(TIMESTAMP),
      });
      const access = await http(server.url, 'GET', `/v1/projects/${project.id}`, { apiKey: teammate.apiKey });
      expect(access.status).toBe(200);
    });

    it('matches the email however it is typed', async () => {
      const owner = await newCaller(server, 'owner');
      const teammate = await newCaller(server, 'mixed');
      const project = await createProject(server, owner);
      const result = await add(owner, project.id, { email: `  ${teammate.email.toUpperCase()} `, role: 'reader' });
      expect(result.status).toBe(201);
      expect(result.body.user_id).toBe(teammate.userId);
      expect(result.body.email).toBe(teammate.email);
    });

    it('adds a teammate before their first login; their later login lands in that same account', async () => {
      const owner = await newCaller(server, 'owner');
      const project = await createProject(server, owner, { name: 'waiting for you' });
      const users = server.app.get(UsersService);
      expect(await users.findByEmail('first.login@example.com')).toBeNull();

      const result = await add(owner, project.id, { email: ' First.Login@Example.com ', role: 'writer' });
      expect(result.status).toBe(201);
      expect(result.body.user_id).toMatch(USER_ID);
      expect(result.body.email).toBe('first.login@example.com');
      expect(await users.findByEmail('first.login@example.com')).toMatchObject({ id: result.body.user_id, email: 'first.login@example.com' });

      // What a completed login does: find-or-create the account by email, then issue a key for it.
      expect((await users.findOrCreate('FIRST.LOGIN@example.com')).id).toBe(result.body.user_id);
      const teammate = await createCaller(server, 'first.login@example.com');
      expect(teammate.userId).toBe(result.body.user_id);
      expect((await listProjects(server, teammate)).map((p) => p.id)).toEqual([project.id]);
      expect(await roleIn(project.id, teammate, teammate)).toBe('writer');
    });

    it('adds by user_id', async () => {
      const owner = await newCaller(server, 'owner');
      const teammate = await newCaller(server, 'by-id');
      const project = await createProject(server, owner);
      const result = await add(owner, project.id, { user_id: teammate.userId, role: 'reader' });
      expect(result.status).toBe(201);
      expect(result.body).toMatchObject({ user_id: teammate.userId, email: teammate.email, role: 'reader' });
    });

    it('uses user_id when both are given, and ignores an empty email or user_id as the reference server does', async () => {
      const owner = await newCaller(server, 'owner');
      const [byId, byEmail, other] = await Promise.all([newCaller(server, 'a'), newCaller(server, 'b'), newCaller(server, 'c')]);
      const project = await createProject(server, owner);
      expect((await add(owner, project.id, { user_id: byId.userId, email: other.email, role: 'reader' })).body.user_id).toBe(byId.userId);
      expect((await add(owner, project.id, { user_id: '', email: byEmail.email, role: 'reader' })).body.user_id).toBe(byEmail.userId);
      expect((await add(owner, project.id, { user_id: other.userId, email: '', role: 'reader' })).body.user_id).toBe(other.userId);
    });

    it('can add another owner', async () => {
      const owner = await newCaller(server, 'owner');
      const coOwner = await newCaller(server, 'co-owner');
      const project = await createProject(server, owner);
      expect((await add(owner, project.id, { email: coOwner.email, role: 'owner' })).status).toBe(201);
      expect((await add(coOwner, project.id, { email: (await newCaller(server)).email, role: 'reader' })).status).toBe(201);
    });

    it('answers 404 for a user_id that belongs to no one', async () => {
      const owner = await newCaller(server, 'owner');
      const project = await createProject(server, owner);
      for (const userId of ['u_0000000000000000', 'nobody']) {
        const result = await add(owner, project.id, { user_id: userId, role: 'reader' });
        expectError(result, 404, 'not_found');
        expect(messageOf(result)).toBe('user not found');
      }
      expect(await listMembers(server, owner, project.id)).toHaveLength(1);
    });

    it('answers 409 for someone who already is a member, whatever their role, and changes nothing', async () => {
      const team = await createTeam(server);
      const id = team.project.id;
      const attempts = [
        { email: team.writer.email, role: 'reader' },
        { email: team.reader.email.toUpperCase(), role: 'owner' },
        { user_id: team.reader.userId, role: 'writer' },
        { user_id: team.owner.userId, role: 'reader' },
      ];
      for (const body of attempts) {
        const result = await add(team.owner, id, body);
        expectError(result, 409, 'conflict');
        expect(messageOf(result)).toMatch(/already a member/);
      }
      expect((await listMembers(server, team.owner, id)).map((m) => m.role)).toEqual(['owner', 'writer', 'reader']);
    });

    it.each([
      ['no body', undefined, 'role must be one of: owner, writer, reader'],
      ['no role', { email: 'r@example.com' }, 'role must be one of: owner, writer, reader'],
      ['an unknown role', { email: 'r@example.com', role: 'admin' }, 'role must be one of: owner, writer, reader'],
      ['a role in capitals', { email: 'r@example.com', role: 'WRITER' }, 'role must be one of: owner, writer, reader'],
      ['a numeric role', { email: 'r@example.com', role: 2 }, 'role must be one of: owner, writer, reader'],
      ['neither email nor user_id', { role: 'reader' }, 'email or user_id is required'],
      ['empty email and user_id', { email: ' ', user_id: '', role: 'reader' }, 'email or user_id is required'],
      ['an invalid email', { email: 'not an email', role: 'reader' }, 'email must be a valid email address'],
      ['a numeric email', { email: 12, role: 'reader' }, 'email must be a valid email address'],
      ['a numeric user_id', { user_id: 12, role: 'reader' }, 'user_id must be a string'],
    ])('answers 400 for %s, and creates no account', async (_case, body, message) => {
      const owner = await newCaller(server, 'owner');
      const project = await createProject(server, owner);
      const result = await add(owner, project.id, body);
      expectError(result, 400, 'bad_request');
      expect(messageOf(result)).toBe(message);
      expect(await server.app.get(UsersService).findByEmail('r@example.com')).toBeNull();
      expect(await listMembers(server, owner, project.id)).toHaveLength(1);
    });

    it('adds the same new email only once when two requests race, and creates one account', async () => {
      const owner = await newCaller(server, 'owner');
      const project = await createProject(server, owner);
      const results = await Promise.all([1, 2, 3].map(() => add(owner, project.id, { email: 'racer@example.com', role: 'reader' })));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      const members = await listMembers(server, owner, project.id);
      expect(members).toHaveLength(2);
      expect(members[1].user_id).toBe((await server.app.get(UsersService).findByEmail('racer@example.com'))?.id);
    });
  });

  describe('GET /v1/projects/{id}/members', () => {
    it('lists every member oldest first, the creator first with an empty invited_by', async () => {
      const team = await createTeam(server);
      const late = await newCaller(server, 'late');
      await addMember(server, team.owner, team.project.id, late, 'owner');
      const members = await listMembers(server, team.reader, team.project.id);
      expect(members.map((m) => [m.user_id, m.email, m.role, m.invited_by])).toEqual([
        [team.owner.userId, team.owner.email, 'owner', ''],
        [team.writer.userId, team.writer.email, 'writer', team.owner.userId],
        [team.reader.userId, team.reader.email, 'reader', team.owner.userId],
        [late.userId, late.email, 'owner', team.owner.userId],
      ]);
      for (const m of members) {
        expect(Object.keys(m)).toEqual(['project_id', 'user_id', 'email', 'role', 'invited_by', 'created_at']);
        expect(m.project_id).toBe(team.project.id);
        expect(m.created_at).toMatch(TIMESTAMP);
      }
      const times = members.map((m) => m.created_at);
      expect([...times].sort()).toEqual(times);
    });
  });

  describe('PATCH /v1/projects/{id}/members/{userIdOrEmail}', () => {
    it('answers {"status":"updated"}, and the new role applies to the very next request', async () => {
      const team = await createTeam(server);
      const id = team.project.id;
      const rename = (caller: Caller) => http(server.url, 'PATCH', `/v1/projects/${id}`, { apiKey: caller.apiKey, body: { name: 'renamed' } });
      expect((await rename(team.reader)).status).toBe(403);

      const promoted = await setRole(team.owner, id, team.reader.userId, { role: 'writer' });
      expect(promoted.status).toBe(200);
      expect(promoted.body).toEqual({ status: 'updated' });
      expect((await rename(team.reader)).status).toBe(200);

      expect((await setRole(team.owner, id, team.writer.userId, { role: 'reader' })).status).toBe(200);
      expect((await rename(team.writer)).status).toBe(403);
      expect(await roleIn(id, team.owner, team.writer)).toBe('reader');
    });

    it('takes the member by email as well as by user id, however the email is typed', async () => {
      const team = await createTeam(server);
      const id = team.project.id;
      const byEmail = await setRole(team.owner, id, encodeURIComponent(team.reader.email.toUpperCase()), { role: 'writer' });
      expect(byEmail.status).toBe(200);
      expect(byEmail.body).toEqual({ status: 'updated' });
      expect(await roleIn(id, team.owner, team.reader)).toBe('writer');
      // A raw "@" in the path works too.
      expect((await setRole(team.owner, id, team.writer.email, { role: 'reader' })).status).toBe(200);
      expect(await roleIn(id, team.owner, team.writer)).toBe('reader');
    });

    it('answers 404 for an email that is nobody\'s membership, with or without an account', async () => {
      const team = await createTeam(server);
      for (const email of [team.outsider.email, 'no-account@example.com']) {
        const result = await setRole(team.owner, team.project.id, email, { role: 'reader' });
        expectError(result, 404, 'not_found');
        expect(messageOf(result)).toBe('member not found');
      }
      expect(await server.app.get(UsersService).findByEmail('no-account@example.com')).toBeNull();
    });

    it('keeps the last owner by email too', async () => {
      const team = await createTeam(server);
      const result = await setRole(team.owner, team.project.id, team.owner.email, { role: 'reader' });
      expectError(result, 400, 'bad_request');
      expect(await roleIn(team.project.id, team.owner, team.owner)).toBe('owner');
    });

    it('accepts setting the role a member already has', async () => {
      const team = await createTeam(server);
      const result = await setRole(team.owner, team.project.id, team.writer.userId, { role: 'writer' });
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ status: 'updated' });
    });

    it('answers 404 for someone who is not a member, known user or not', async () => {
      const team = await createTeam(server);
      for (const userId of [team.outsider.userId, 'u_0000000000000000', 'nobody']) {
        const result = await setRole(team.owner, team.project.id, userId, { role: 'reader' });
        expectError(result, 404, 'not_found');
        expect(messageOf(result)).toBe('member not found');
      }
      expect(await roleIn(team.project.id, team.owner, team.outsider)).toBeUndefined();
    });

    it.each([
      ['no body', undefined],
      ['no role', {}],
      ['an unknown role', { role: 'admin' }],
      ['a non-string role', { role: ['owner'] }],
    ])('answers 400 for %s and changes nothing', async (_case, body) => {
      const team = await createTeam(server);
      const result = await setRole(team.owner, team.project.id, team.reader.userId, body);
      expectError(result, 400, 'bad_request');
      expect(messageOf(result)).toBe('role must be one of: owner, writer, reader');
      expect(await roleIn(team.project.id, team.owner, team.reader)).toBe('reader');
    });
  });

  describe('DELETE /v1/projects/{id}/members/{userIdOrEmail}', () => {
    it('answers 204 with no body, and the removed member loses access at once', async () => {
      const team = await createTeam(server);
      const id = team.project.id;
      const result = await remove(team.owner, id, team.writer.userId);
      expect(result.status).toBe(204);
      expect(result.text).toBe('');
      const after = await http(server.url, 'GET', `/v1/projects/${id}`, { apiKey: team.writer.apiKey });
      expectError(after, 403, 'forbidden');
      expect(await listProjects(server, team.writer)).toEqual([]);
      expect((await listMembers(server, team.owner, id)).map((m) => m.user_id)).toEqual([team.owner.userId, team.reader.userId]);
    });

    it('takes the member by email as well as by user id', async () => {
      const team = await createTeam(server);
      const id = team.project.id;
      expect((await remove(team.owner, id, encodeURIComponent(team.writer.email))).status).toBe(204);
      expectError(await http(server.url, 'GET', `/v1/projects/${id}`, { apiKey: team.writer.apiKey }), 403, 'forbidden');
      expect((await listMembers(server, team.owner, id)).map((m) => m.email)).toEqual([team.owner.email, team.reader.email]);
    });

    it('answers 404 for someone who is not a member', async () => {
      const team = await createTeam(server);
      for (const userId of [team.outsider.userId, 'u_0000000000000000', team.outsider.email, 'no-account@example.com']) {
        const result = await remove(team.owner, team.project.id, userId);
        expectError(result, 404, 'not_found');
        expect(messageOf(result)).toBe('member not found');
      }
    });
  });

  describe('the last owner', () => {
    it('can neither be demoted nor removed (400, saying why), and stays owner', async () => {
      const team = await createTeam(server);
      const id = team.project.id;
      for (const role of ['writer', 'reader']) {
        const result = await setRole(team.owner, id, team.owner.userId, { role });
        expectError(result, 400, 'bad_request');
        expect(messageOf(result)).toMatch(/^cannot demote the last owner: a project must keep at least one owner/);
      }
      const removal = await remove(team.owner, id, team.owner.userId);
      expectError(removal, 400, 'bad_request');
      expect(messageOf(removal)).toMatch(/^cannot remove the last owner: a project must keep at least one owner/);
      expect(await roleIn(id, team.owner, team.owner)).toBe('owner');
    });

    it('can step down once another owner exists, who then is the last owner', async () => {
      const team = await createTeam(server);
      const id = team.project.id;
      expect((await setRole(team.owner, id, team.writer.userId, { role: 'owner' })).status).toBe(200);
      expect((await setRole(team.owner, id, team.owner.userId, { role: 'writer' })).status).toBe(200);

      // The former owner is a writer now: member management is refused.
      expectError(await remove(team.owner, id, team.reader.userId), 403, 'forbidden');

      const newOwner = team.writer;
      expectError(await remove(newOwner, id, newOwner.userId), 400, 'bad_request');
      expect((await remove(newOwner, id, team.owner.userId)).status).toBe(204);
      expect((await listMembers(server, newOwner, id)).filter((m) => m.role === 'owner').map((m) => m.user_id)).toEqual([newOwner.userId]);
    });

    it.each([
      ['demotions', (owner: Caller, id: string, userId: string) => setRole(owner, id, userId, { role: 'reader' })],
      ['removals', (owner: Caller, id: string, userId: string) => remove(owner, id, userId)],
    ])('survives concurrent %s of every owner: at least one owner always remains', async (_case, change) => {
      const first = await newCaller(server, 'owner');
      const project = await createProject(server, first);
      const others = await Promise.all([1, 2, 3, 4].map(() => newCaller(server, 'co-owner')));
      for (const other of others) await addMember(server, first, project.id, other, 'owner');
      const owners = [first, ...others];

      // Each owner tries to take away every owner's ownership, all at once.
      const attempts = owners.flatMap((actor) => owners.map((target) => change(actor, project.id, target.userId)));
      const statuses = (await Promise.all(attempts)).map((r) => r.status);

      // Success, last owner (400), gone already (404), or no longer owner (403): never a 5xx.
      for (const status of statuses) expect([200, 204, 400, 403, 404]).toContain(status);
      // Exactly one: an owner who kept the role had their own attempt refused, which only happens to the last one.
      const survivors = await http<MemberBody[]>(server.url, 'GET', membersPath(project.id), {
        apiKey: (await ownerKeyOf(project.id, owners)).apiKey,
      });
      expect(survivors.status).toBe(200);
      expect(survivors.body.filter((m) => m.role === 'owner')).toHaveLength(1);
    });
  });

  /** The caller among `candidates` who is an owner of the project now. */
  async function ownerKeyOf(projectId: string, candidates: Caller[]): Promise<Caller> {
    for (const candidate of candidates) {
      const result = await http<MemberBody[]>(server.url, 'GET', membersPath(projectId), { apiKey: candidate.apiKey });
      if (result.status === 200 && result.body.some((m) => m.user_id === candidate.userId && m.role === 'owner')) return candidate;
    }
    throw new Error('no owner left');
  }
});

/** PROTOCOL.md, Members: the role each route needs, for every kind of caller (support/role-table.ts). */
const memberRoutes: RouteCase[] = [
  {
    route: 'POST /v1/projects/{id}/members',
    request: (f) => ({ method: 'POST', path: `/v1/projects/${f.project.id}/members`, body: { email: f.newcomer.email, role: 'writer' } }),
    expected: atLeast('owner', 201),
    role: 'owner',
    async verify(server, f, result, allowed) {
      if (allowed) expect(result.body).toMatchObject({ project_id: f.project.id, user_id: f.newcomer.userId, email: f.newcomer.email, role: 'writer', invited_by: f.owner.userId });
      expect(roleOf(await listMembers(server, f.owner, f.project.id), f.newcomer)).toBe(allowed ? 'writer' : undefined);
    },
  },
  {
    route: 'GET /v1/projects/{id}/members',
    request: (f) => ({ method: 'GET', path: `/v1/projects/${f.project.id}/members` }),
    expected: atLeast('reader', 200),
    role: 'reader',
    async verify(_server, f, result, allowed) {
      if (!allowed) return;
      const members = result.body as MemberBody[];
      expect(members.map((m) => [m.user_id, m.email, m.role])).toEqual([
        [f.owner.userId, f.owner.email, 'owner'],
        [f.writer.userId, f.writer.email, 'writer'],
        [f.reader.userId, f.reader.email, 'reader'],
        [f.target.userId, f.target.email, 'reader'],
      ]);
    },
  },
  {
    route: 'PATCH /v1/projects/{id}/members/{userId}',
    request: (f) => ({ method: 'PATCH', path: `/v1/projects/${f.project.id}/members/${f.target.userId}`, body: { role: 'writer' } }),
    expected: atLeast('owner', 200),
    role: 'owner',
    async verify(server, f, result, allowed) {
      if (allowed) expect(result.body).toEqual({ status: 'updated' });
      expect(roleOf(await listMembers(server, f.owner, f.project.id), f.target)).toBe(allowed ? 'writer' : 'reader');
    },
  },
  {
    route: 'DELETE /v1/projects/{id}/members/{userId}',
    request: (f) => ({ method: 'DELETE', path: `/v1/projects/${f.project.id}/members/${f.target.userId}` }),
    expected: atLeast('owner', 204),
    role: 'owner',
    async verify(server, f, result, allowed) {
      if (allowed) expect(result.text).toBe('');
      expect(roleOf(await listMembers(server, f.owner, f.project.id), f.target)).toBe(allowed ? undefined : 'reader');
    },
  },
];

describeRoleTable('the role table of PROTOCOL.md, Members', memberRoutes);
