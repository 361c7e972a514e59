import type { OpenAPIObject } from '@nestjs/swagger';
import { KeyAdministration, UserAdministration } from '@td-sync/admin';
import { expectError, http, HttpResult } from './support/http';
import { OpenApiConformance } from './support/openapi-conformance';
import { addMember, createProject, newCaller } from './support/projects';
import { makeEvents, push } from './support/sync';
import { Caller, describeEachBackend, startTestServer, TestServer } from './support/test-server';

interface Page<T> {
  data: T[];
  next_cursor?: string;
  has_more: boolean;
}

interface AdminUser {
  id: string;
  email: string;
  is_admin: boolean;
  created_at: string;
  disabled_at: string | null;
  project_count: number;
  active_key_count: number;
  last_activity: string | null;
}

interface AdminKey {
  id: string;
  key_prefix: string;
  name: string;
  scopes: string;
  status: string;
  revoked_at: string | null;
}

/**
 * PROTOCOL.md, Additions of round 2: the admin API under /v1/admin/, for keys
 * with the `admin` scope (minted by `td-sync keys create --admin`) and no
 * other; paths and field names are the reference server's.
 */
describeEachBackend('Admin API', (backend) => {
  let server: TestServer;
  let admin: Caller;
  let conformance: OpenApiConformance;
  let templates: Array<{ template: string; pattern: RegExp }>;

  /** Every answer of an admin route is held to the API reference (/openapi.json), errors included. */
  async function request<T = unknown>(method: string, path: string, apiKey?: string): Promise<HttpResult<T>> {
    const result = await http<T>(server.url, method, path, { apiKey });
    if (path.startsWith('/v1/admin/')) {
      const bare = path.split('?')[0];
      const matching = templates.filter(({ pattern }) => pattern.test(bare));
      expect(matching).toHaveLength(1);
      conformance.check(method, matching[0].template, result);
    }
    return result;
  }
  const get = <T = unknown>(path: string, apiKey = admin.apiKey) => request<T>('GET', path, apiKey);
  const del = (path: string, apiKey = admin.apiKey) => request('DELETE', path, apiKey);

  beforeAll(async () => {
    server = await startTestServer({ SYNC_RATE_LIMIT_OTHER: '0' }, { backend });
    const reference = (await http<OpenAPIObject>(server.url, 'GET', '/openapi.json')).body;
    conformance = new OpenApiConformance(reference);
    templates = Object.keys(reference.paths).map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`) }));
    const operator = await server.app.get(UserAdministration).create('operator@example.com');
    const { key } = await server.app.get(KeyAdministration).create(operator.email, { admin: true });
    admin = { userId: operator.id, email: operator.email, apiKey: key };
  });
  afterAll(() => server.close());

  describe('who may call it', () => {
    const routes = (ids: { user: string; key: string; project: string }): Array<[string, string]> => [
      ['GET', '/v1/admin/users'],
      ['GET', `/v1/admin/users/${ids.user}`],
      ['GET', `/v1/admin/users/${ids.user}/keys`],
      ['DELETE', `/v1/admin/users/${ids.user}/keys/${ids.key}`],
      ['GET', '/v1/admin/projects'],
      ['GET', `/v1/admin/projects/${ids.project}`],
      ['GET', `/v1/admin/projects/${ids.project}/members`],
      ['GET', `/v1/admin/projects/${ids.project}/sync/status`],
    ];

    it('answers 401 without a key and 403 forbidden to a key without the admin scope, on every route', async () => {
      const member = await newCaller(server, 'member');
      const project = await createProject(server, member);
      const [key] = (await get<{ data: AdminKey[] }>(`/v1/admin/users/${member.userId}/keys`)).body.data;
      for (const [method, path] of routes({ user: member.userId, key: key.id, project: project.id })) {
        expectError(await request(method, path), 401, 'unauthorized');
        const refused = await request<{ message: string }>(method, path, member.apiKey);
        expectError(refused, 403, 'forbidden');
        expect(refused.body.message).toMatch(/admin key/);
      }
      // The refused DELETE revoked nothing.
      expect((await get('/v1/projects', member.apiKey)).status).toBe(200);
    });

    it('refuses an admin key like any other once its user is disabled', async () => {
      const operator = await server.app.get(UserAdministration).create('second-operator@example.com');
      const { key } = await server.app.get(KeyAdministration).create(operator.id, { admin: true });
      expect((await get('/v1/admin/users', key)).status).toBe(200);
      await server.app.get(UserAdministration).disable(operator.id);
      expectError(await get('/v1/admin/users', key), 401, 'unauthorized');
    });
  });

  describe('users', () => {
    it('lists users with the reference fields, filtered by ?q= and paged by cursor', async () => {
      const [a, b, c] = await Promise.all(['pager-a', 'pager-b', 'pager-c'].map((label) => newCaller(server, label)));
      const project = await createProject(server, a);
      await addMember(server, a, project.id, b, 'reader');

      const all = await get<Page<AdminUser>>('/v1/admin/users?q=PAGER-');
      expect(all.status).toBe(200);
      expect(all.body.has_more).toBe(false);
      expect(all.body.next_cursor).toBeUndefined();
      expect(all.body.data.map((u) => u.email).sort()).toEqual([a.email, b.email, c.email].sort());
      expect(all.body.data.find((u) => u.id === a.userId)).toEqual({
        id: a.userId,
        email: a.email,
        is_admin: false,
        created_at: expect.any(String),
        disabled_at: null,
        project_count: 1,
        active_key_count: 1,
        last_activity: expect.any(String),
      });

      const pages: AdminUser[][] = [];
      let path = '/v1/admin/users?q=pager-&limit=2';
      for (;;) {
        const page = await get<Page<AdminUser>>(path);
        pages.push(page.body.data);
        if (!page.body.has_more) break;
        path = `/v1/admin/users?q=pager-&limit=2&cursor=${encodeURIComponent(page.body.next_cursor!)}`;
      }
      expect(pages.map((page) => page.length)).toEqual([2, 1]);
      expect(pages.flat().map((u) => u.id)).toEqual(all.body.data.map((u) => u.id));
      expect(all.body.data.map((u) => u.id)).toEqual([...all.body.data.map((u) => u.id)].sort());
    });

    it('marks the holders of admin keys', async () => {
      expect((await get<AdminUser>(`/v1/admin/users/${admin.userId}`)).body).toMatchObject({ email: 'operator@example.com', is_admin: true });
    });

    it.each([
      ['limit=0', /limit/],
      ['limit=ten', /limit/],
      ['cursor=not-a-cursor!', /cursor/],
      [`cursor=${Buffer.from('{"value":7}').toString('base64url')}`, /cursor/],
      ['q=a&q=b', /q must be given once/],
    ])('answers 400 to ?%s', async (query, message) => {
      const result = await get<{ message: string }>(`/v1/admin/users?${query}`);
      expectError(result, 400, 'bad_request');
      expect(result.body.message).toMatch(message);
    });

    it('shows one user with the live projects they belong to', async () => {
      const owner = await newCaller(server, 'detail');
      const live = await createProject(server, owner, { name: 'Live one' });
      const deleted = await createProject(server, owner, { name: 'Deleted one' });
      expect((await http(server.url, 'DELETE', `/v1/projects/${deleted.id}`, { apiKey: owner.apiKey })).status).toBe(204);

      const detail = await get<AdminUser & { projects: unknown[] }>(`/v1/admin/users/${owner.userId}`);
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({ id: owner.userId, email: owner.email, project_count: 2 });
      expect(detail.body.projects).toEqual([{ project_id: live.id, name: 'Live one', role: 'owner' }]);
      expectError(await get('/v1/admin/users/u_ffffffffffffffff'), 404, 'not_found');
    });

    it("lists a user's keys without their secrets, and revokes one: its holder is refused at once", async () => {
      const user = await newCaller(server, 'keys');
      const other = await newCaller(server, 'other');
      const keys = await get<{ data: AdminKey[] }>(`/v1/admin/users/${user.userId}/keys`);
      expect(keys.status).toBe(200);
      expect(keys.body.data).toEqual([
        {
          id: expect.stringMatching(/^k_[0-9a-f]{16}$/),
          user_id: user.userId,
          email: user.email,
          key_prefix: user.apiKey.slice('td_live_'.length, 'td_live_'.length + 8),
          name: 'device-auth',
          scopes: 'sync',
          created_at: expect.any(String),
          last_used_at: null,
          expires_at: expect.any(String),
          revoked_at: null,
          status: 'active',
        },
      ]);
      expect(keys.text).not.toContain(user.apiKey.slice('td_live_'.length));
      const keyId = keys.body.data[0].id;

      // Not this user's key, or no such user: 404, and the key still works.
      expectError(await del(`/v1/admin/users/${other.userId}/keys/${keyId}`), 404, 'not_found');
      expectError(await del(`/v1/admin/users/u_ffffffffffffffff/keys/${keyId}`), 404, 'not_found');
      expectError(await del(`/v1/admin/users/${user.userId}/keys/k_ffffffffffffffff`), 404, 'not_found');
      expect((await get('/v1/projects', user.apiKey)).status).toBe(200);

      const revoked = await del(`/v1/admin/users/${user.userId}/keys/${keyId}`);
      expect({ status: revoked.status, body: revoked.text }).toEqual({ status: 204, body: '' });
      expectError(await get('/v1/projects', user.apiKey), 401, 'unauthorized');
      expect((await del(`/v1/admin/users/${user.userId}/keys/${keyId}`)).status).toBe(204);
      expect((await get<{ data: AdminKey[] }>(`/v1/admin/users/${user.userId}/keys`)).body.data).toEqual([
        expect.objectContaining({ id: keyId, status: 'revoked', revoked_at: expect.any(String) }),
      ]);
      expect((await get('/v1/projects', other.apiKey)).status).toBe(200);
      expectError(await get('/v1/admin/users/u_ffffffffffffffff/keys'), 404, 'not_found');
    });
  });

  describe('projects', () => {
    it('lists every project whoever its members are, deleted ones on request, filtered by name and paged', async () => {
      const owner = await newCaller(server, 'projects');
      const [one, two, three] = [
        await createProject(server, owner, { name: 'Listing One', description: 'first' }),
        await createProject(server, owner, { name: 'Listing Two' }),
        await createProject(server, owner, { name: 'Listing Three' }),
      ];
      await addMember(server, owner, one.id, await newCaller(server, 'm'), 'writer');
      expect((await http(server.url, 'DELETE', `/v1/projects/${three.id}`, { apiKey: owner.apiKey })).status).toBe(204);

      const live = await get<Page<Record<string, unknown>>>('/v1/admin/projects?q=listing');
      expect(live.body.data.map((p) => p.id)).toEqual([one.id, two.id].sort());
      expect(live.body.data.find((p) => p.id === one.id)).toEqual({
        id: one.id,
        name: 'Listing One',
        description: 'first',
        member_count: 2,
        created_at: one.created_at,
        updated_at: one.updated_at,
      });

      const withDeleted = await get<Page<Record<string, unknown>>>('/v1/admin/projects?q=LISTING&include_deleted=true');
      expect(withDeleted.body.data.map((p) => p.id)).toEqual([one.id, two.id, three.id].sort());
      expect(withDeleted.body.data.find((p) => p.id === three.id)?.deleted_at).toEqual(expect.any(String));

      const first = await get<Page<{ id: string }>>('/v1/admin/projects?q=listing&include_deleted=true&limit=2');
      expect(first.body).toMatchObject({ has_more: true, next_cursor: expect.any(String) });
      const second = await get<Page<{ id: string }>>(`/v1/admin/projects?q=listing&include_deleted=true&limit=2&cursor=${first.body.next_cursor}`);
      expect(second.body).toMatchObject({ has_more: false });
      expect([...first.body.data, ...second.body.data].map((p) => p.id)).toEqual(withDeleted.body.data.map((p) => p.id));

      expectError(await get('/v1/admin/projects?include_deleted=maybe'), 400, 'bad_request');
    });

    it('shows a project, its members with emails and its sync status as members see it, deleted ones too', async () => {
      const owner = await newCaller(server, 'status');
      const writer = await newCaller(server, 'status-writer');
      const project = await createProject(server, owner, { name: 'Status' });
      await addMember(server, owner, project.id, writer, 'writer');
      expect((await push(server, writer, project.id, { device_id: 'd', session_id: 's', events: makeEvents(1, 5) })).status).toBe(200);

      const memberStatus = await get(`/v1/projects/${project.id}/sync/status`, owner.apiKey);
      const adminStatus = await get(`/v1/admin/projects/${project.id}/sync/status`);
      expect(adminStatus.status).toBe(200);
      expect(adminStatus.body).toEqual(memberStatus.body);
      expect(adminStatus.body).toMatchObject({ event_count: 5, last_server_seq: 5 });

      const members = await get<{ data: unknown[] }>(`/v1/admin/projects/${project.id}/members`);
      expect(members.body.data).toEqual([
        { user_id: owner.userId, email: owner.email, role: 'owner', invited_by: '', created_at: expect.any(String) },
        { user_id: writer.userId, email: writer.email, role: 'writer', invited_by: owner.userId, created_at: expect.any(String) },
      ]);

      const detail = await get<Record<string, unknown>>(`/v1/admin/projects/${project.id}`);
      expect(detail.body).toMatchObject({
        id: project.id,
        name: 'Status',
        member_count: 2,
        event_count: 5,
        last_server_seq: 5,
        last_event_at: (memberStatus.body as { last_event_time: string }).last_event_time,
        members: members.body.data,
      });
      expect(detail.body.size_bytes).toBeGreaterThan(0);

      expect((await http(server.url, 'DELETE', `/v1/projects/${project.id}`, { apiKey: owner.apiKey })).status).toBe(204);
      expect((await get<Record<string, unknown>>(`/v1/admin/projects/${project.id}`)).body).toMatchObject({ deleted_at: expect.any(String), event_count: 5 });
      expect((await get(`/v1/admin/projects/${project.id}/members`)).status).toBe(200);
      expect((await get(`/v1/admin/projects/${project.id}/sync/status`)).body).toEqual(adminStatus.body);
    });

    it.each(['p_ffffffffffffffff', 'not-a-project', '..%2F..%2Fetc'])('answers 404 for project %s on every project route', async (id) => {
      for (const path of [`/v1/admin/projects/${id}`, `/v1/admin/projects/${id}/members`, `/v1/admin/projects/${id}/sync/status`]) {
        expectError(await get(path), 404, 'not_found');
      }
    });
  });
});
