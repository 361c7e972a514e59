import { expectError, http, HttpResult } from './http';
import { addMember, createTeam, MemberBody, messageOf, newCaller, ProjectBody, Team } from './projects';
import { Caller, describeEachBackend, startTestServer, TestServer } from './test-server';

/**
 * The role tables of PROTOCOL.md (Projects, Members), route by route, for each
 * kind of caller. Every case runs on a fresh project and checks both the
 * answer and what it did: a refused request must change nothing. The cases
 * live in projects.e2e-spec.ts and members.e2e-spec.ts; this runs them.
 */

export type Who = 'owner' | 'writer' | 'reader' | 'outsider' | 'anonymous';
export type Role = 'owner' | 'writer' | 'reader';

export interface Fixture extends Team {
  /** A reader, the subject of the member routes. */
  target: Caller;
  /** Someone not yet in the project, for adding. */
  newcomer: Caller;
}

export interface RouteCase {
  route: string;
  request(f: Fixture): { method: string; path: string; body?: unknown };
  /** Expected status per caller. */
  expected: Record<Who, number>;
  /** The least role, which a 403 message must name. */
  role?: Role;
  /** After the request: on success, its effect is there; on refusal, nothing changed. */
  verify(server: TestServer, f: Fixture, result: HttpResult, allowed: boolean, caller: Caller | undefined): Promise<void>;
}

export const everyUser = (status: number): Record<Who, number> => ({ owner: status, writer: status, reader: status, outsider: status, anonymous: 401 });
export const atLeast = (role: Role, success: number): Record<Who, number> => ({
  owner: success,
  writer: role === 'owner' ? 403 : success,
  reader: role === 'reader' ? success : 403,
  outsider: 403,
  anonymous: 401,
});

export async function projectAsOwner(server: TestServer, f: Fixture): Promise<HttpResult<ProjectBody>> {
  return http<ProjectBody>(server.url, 'GET', `/v1/projects/${f.project.id}`, { apiKey: f.owner.apiKey });
}

export const roleOf = (members: MemberBody[], caller: Caller) => members.find((m) => m.user_id === caller.userId)?.role;

const callers: Who[] = ['owner', 'writer', 'reader', 'outsider', 'anonymous'];

/** One test per route and kind of caller: `%s as %s answers %i`. */
export function describeRoleTable(title: string, routes: RouteCase[]): void {
  describeEachBackend(title, (backend) => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({}, { backend });
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
}
