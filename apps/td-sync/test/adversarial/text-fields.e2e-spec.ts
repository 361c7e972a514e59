import { storedState as storedStateOfFiles } from '../support/database-files';
import { expectError, http, HttpResult } from '../support/http';
import { storedRows } from '../support/stored-rows';
import { Caller, createCaller, describeEachBackend, startTestServer, TestServer } from '../support/test-server';
import { createProject } from '../support/sync';

/**
 * Issue 18, low, and PROTOCOL.md, "Text fields": NUL and lone UTF-16
 * surrogates used to be stored (as invalid UTF-8, read back as U+FFFD) in
 * project names and descriptions. Every text field of every body is now
 * refused with 400 when it holds one, and nothing is stored. JSON spells
 * them as escapes (`\u0000`, `\ud800`), forms as `%00`. Push's own fields
 * are held in hostile-input.e2e-spec.ts. On PostgreSQL, which refuses NUL in
 * text outright, such a field once made a 500; it is the same 400 there.
 */

const NUL = '\\u0000';
const HIGH = '\\ud800';
const LOW = '\\udfff';

describeEachBackend('NUL and lone surrogates in text fields', (backend) => {
  let server: TestServer;
  let owner: Caller;
  let projectId: string;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_RATE_LIMIT_AUTH: '0', SYNC_RATE_LIMIT_AUTH_POLL: '0', SYNC_RATE_LIMIT_OTHER: '0' }, { backend });
    owner = await createCaller(server, 'owner@example.com');
    projectId = await createProject(server, owner, 'named');
    await createCaller(server, 'member@example.com');
  });
  afterAll(() => server.close());

  /** Everything stored: every SQLite file's content, or PostgreSQL's rows (counts, and the texts these requests could have written). */
  const storedState = async (): Promise<string> => {
    if (!server.database) return storedStateOfFiles(server.dataDir);
    const rows = await Promise.all([
      storedRows(server, 'SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM api_keys) AS keys, (SELECT count(*) FROM auth_requests) AS logins, (SELECT count(*) FROM events) AS events'),
      storedRows(server, 'SELECT id, name, description FROM projects ORDER BY id'),
      storedRows(server, 'SELECT project_id, user_id, role FROM memberships ORDER BY project_id, user_id'),
    ]);
    return JSON.stringify(rows);
  };

  const json = (method: string, path: string, text: string, authenticated = true): Promise<HttpResult> =>
    http(server.url, method, path, { body: text, headers: { 'content-type': 'application/json' }, apiKey: authenticated ? owner.apiKey : undefined });

  const challenge = 'c'.repeat(43);
  const cases: Array<[string, () => Promise<HttpResult>, string]> = [
    ['a project name (NUL)', () => json('POST', '/v1/projects', `{"name":"a${NUL}b"}`), 'name'],
    ['a project name (lone high surrogate)', () => json('POST', '/v1/projects', `{"name":"${HIGH}"}`), 'name'],
    ['a project description', () => json('POST', '/v1/projects', `{"name":"ok","description":"x${LOW}y"}`), 'description'],
    ['a renamed project', () => json('PATCH', `/v1/projects/${projectId}`, `{"name":"re${NUL}"}`), 'name'],
    ['a new description', () => json('PATCH', `/v1/projects/${projectId}`, `{"description":"${HIGH}x"}`), 'description'],
    ['a member email', () => json('POST', `/v1/projects/${projectId}/members`, `{"email":"member${NUL}@example.com","role":"reader"}`), 'email'],
    ['a member user_id', () => json('POST', `/v1/projects/${projectId}/members`, `{"user_id":"u_${LOW}","role":"reader"}`), 'user_id'],
    ['a role', () => json('PATCH', `/v1/projects/${projectId}/members/member@example.com`, `{"role":"reader${NUL}"}`), 'role'],
    ['an unknown field', () => json('POST', '/v1/projects', `{"name":"ok","note":"${NUL}"}`), 'note'],
    ['a key', () => json('POST', '/v1/projects', `{"name":"ok","n${NUL}":1}`), 'a key'],
    ['a login email', () => json('POST', '/v1/auth/login/start', `{"email":"a${HIGH}@example.com"}`, false), 'email'],
    ['a device code', () => json('POST', '/v1/auth/login/poll', `{"device_code":"${NUL}"}`, false), 'device_code'],
    ['a code challenge', () => json('POST', '/v1/auth/device/start', `{"email":"a@example.com","code_challenge":"${challenge}${LOW}","code_challenge_method":"S256"}`, false), 'code_challenge'],
    ['a device name (NUL)', () => json('POST', '/v1/auth/device/start', `{"email":"a@example.com","code_challenge":"${challenge}","code_challenge_method":"S256","device_name":"laptop${NUL}"}`, false), 'device_name'],
    ['a device name (lone surrogate)', () => json('POST', '/v1/auth/device/start', `{"email":"a@example.com","code_challenge":"${challenge}","code_challenge_method":"S256","device_name":"${HIGH}"}`, false), 'device_name'],
    ['a code verifier', () => json('POST', '/v1/auth/device/poll', `{"device_code":"${'f'.repeat(64)}","code_verifier":"v${NUL}"}`, false), 'code_verifier'],
  ];

  it.each(cases)('refuses %s with 400 naming the field, and stores nothing', async (_what, send, field) => {
    const before = await storedState();
    const result = await send();
    expectError(result, 400, 'bad_request');
    expect((result.body as { message: string }).message).toContain(field);
    expect((result.body as { message: string }).message).toMatch(/NUL character or an unpaired surrogate/);
    expect(await storedState()).toBe(before);
  });

  it.each([
    ['/auth/verify', 'user_code=ABC%00234'],
    ['/auth/device/approve', 'token=a.b%00c'],
  ])('refuses a NUL in the form of %s with a 400 page', async (path, form) => {
    const before = await storedState();
    const result = await http(server.url, 'POST', path, { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(result.status).toBe(400);
    expect(result.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await storedState()).toBe(before);
  });

  it('still takes astral characters (paired surrogates) and every other character', async () => {
    const created = await json('POST', '/v1/projects', '{"name":"Team \\ud83d\\ude00","description":"tab\\there \\u0001 \\uffff"}');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Team 😀', description: 'tab\there \u0001 \uffff' });
  });
});
