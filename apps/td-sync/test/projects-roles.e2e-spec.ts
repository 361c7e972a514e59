import { expectError, http, HttpResult } from './support/http';
import {
  addMember,
  createTeam,
  listMembers,
  listProjects,
  MemberBody,
  messageOf,
  newCaller,
  PROJECT_ID,
  ProjectBody,
  Team,
} from './support/projects';
import { Caller, startTestServer, TestServer } from './support/test-server';

/**
 * The role table of PROTOCOL.md (Projects, Members), route by route, for each
 * kind of caller. Every case runs on a fresh project and checks both the
 * answer and what it did: a refused request must change nothing.
 */

type Who = 'owner' | 'writer' | 'reader' | 'outsider' | 'anonymous';
type Role = 'owner' | 'writer' | 'reader';

interface Fixture extends Team {
  /** A reader, the subject of the member routes. */
  target: Caller;
  /** Someone not yet in the project, for adding. */
  newcomer: Caller;
}

interface RouteCase {
  route: string;
  request(f: Fixture): { method: string; path: string; body?: unknown };
  /** Expected status per caller. */
  expected: Record<Who, number>;
  /** The least role, which a 403 message must name. */
  role?: Role;
  /** After the request: on success, its effect is there; on refusal, nothing changed. */
  verify(server: TestServer, f: Fixture, result: HttpResult, allowed: boolean, caller: Caller | undefined): Promise<void>;
}

const everyUser = (status: number): Record<Who, number> => ({ owner: status, writer: status, reader: status, outsider: status, anonymous: 401 });
const atLeast = (role: Role, success: number): Record<Who, number> => ({
  owner: success,
  writer: role === 'owner' ? 403 : success,
  reader: role === 'reader' ? success : 403,
  outsider: 403,
  anonymous: 401,
});

async function projectAsOwner(server: TestServer, f: Fixture): Promise<HttpResult<ProjectBody>> {
  return http<ProjectBody>(server.url, 'GET', `/v1/projects/${f.project.id}`, { apiKey: f.owner.apiKey });
}

const roleOf = (members: MemberBody[], caller: Caller) => members.find((m) => m.user_id === caller.userId)?.role;

const routes: RouteCase[] = [
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
  {
    route: 'POST /v1/projects/{id}/members',
    request: (f) => ({ method: 'POST', path: `/v1/projects/${f.project.id}/members`, body: { email: f.newcomer.email, role: 'writer' } }),
    expected: atLeast('owner', 201),
    role: 'owner',
    async verify(server, f, result, allowed) {
      if (allowed) expect(result.body).toMatchObject({ project_id: f.project.id, user_id: f.newcomer.userId, role: 'writer', invited_by: f.owner.userId });
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
      expect(members.map((m) => [m.user_id, m.role])).toEqual([
        [f.owner.userId, 'owner'],
        [f.writer.userId, 'writer'],
        [f.reader.userId, 'reader'],
        [f.target.userId, 'reader'],
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

const callers: Who[] = ['owner', 'writer', 'reader', 'outsider', 'anonymous'];

describe('the role table of PROTOCOL.md', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  async function fixture(): Promise<Fixture> {
    const team = await createTeam(server);
    const target = await newCaller(server, 'target');
    await addMember(server, team.owner, team.project.id, target, 'reader');
    return { ...team, target, newcomer: await newCaller(server, 'newcomer') };
  }

  const cases = routes.flatMap((route) => callers.map((who) => ({ route, who, status: route.expected[who] })));

  it.each(cases.map((c) => [c.route.route, c.who, c.status, c] as const))('%s as %s answers %i', async (_route, who, status, { route }) => {
    const f = await fixture();
    const caller = who === 'anonymous' ? undefined : f[who];
    const { method, path, body } = route.request(f);
    const result = await http(server.url, method, path, { apiKey: caller?.apiKey, body });

    if (status === 401) {
      expectError(result, 401, 'unauthorized');
    } else if (status === 403) {
      expectError(result, 403, 'forbidden');
      expect(messageOf(result)).toMatch(new RegExp(`^requires ${route.role} role`));
    } else {
      expect(result.status).toBe(status);
    }
    await route.verify(server, f, result, status < 300, caller);
  });
});
