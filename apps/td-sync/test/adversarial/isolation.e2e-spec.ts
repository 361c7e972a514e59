import { ApiKeyService } from '@td-sync/auth';
// The module object itself (a namespace import would be a copy), so a spy sees the server's calls.
import crypto from 'node:crypto';
import { rmSync } from 'node:fs';
import { storedState } from '../support/database-files';
import { expectError, http, HttpResult } from '../support/http';
import { newPkcePair, submitUserCode } from '../support/login';
import { Mailbox, startMailbox } from '../support/mailbox';
import { spawnServer } from '../support/spawned-server';
import { Caller, createCaller, startTestServer, TestServer } from '../support/test-server';
import { travelForward } from '../support/time-travel';
import { addMember, createProject, makeEvents, push } from '../support/sync';

/**
 * Issue 9, auth and isolation: nobody reaches a project they are not a member
 * of, on any route; keys stop working when revoked or expired; guessing login
 * codes runs into the rate limit; secrets never reach the log; presented
 * secrets are compared in constant time.
 */

interface Route {
  name: string;
  method: string;
  path: string;
  body?: unknown;
}

/** Every route of a project, aimed at `projectId`, with `memberId` as the member routes' subject. */
function projectRoutes(projectId: string, memberId: string): Route[] {
  const event = { device_id: 'intruder', session_id: 's', events: makeEvents(900, 1) };
  return [
    { name: 'read the project', method: 'GET', path: `/v1/projects/${projectId}` },
    { name: 'rename the project', method: 'PATCH', path: `/v1/projects/${projectId}`, body: { name: 'taken over' } },
    { name: 'delete the project', method: 'DELETE', path: `/v1/projects/${projectId}` },
    { name: 'add a member', method: 'POST', path: `/v1/projects/${projectId}/members`, body: { email: 'accomplice@example.com', role: 'owner' } },
    { name: 'list the members', method: 'GET', path: `/v1/projects/${projectId}/members` },
    { name: 'change a role', method: 'PATCH', path: `/v1/projects/${projectId}/members/${memberId}`, body: { role: 'reader' } },
    { name: 'remove a member', method: 'DELETE', path: `/v1/projects/${projectId}/members/${memberId}` },
    { name: 'push', method: 'POST', path: `/v1/projects/${projectId}/sync/push`, body: event },
    { name: 'pull', method: 'GET', path: `/v1/projects/${projectId}/sync/pull` },
    { name: 'read the sync status', method: 'GET', path: `/v1/projects/${projectId}/sync/status` },
    { name: 'ask for a snapshot', method: 'GET', path: `/v1/projects/${projectId}/sync/snapshot` },
  ];
}

/** Every authenticated route, including those outside a project. */
function everyAuthenticatedRoute(projectId: string, memberId: string): Route[] {
  return [
    { name: 'list projects', method: 'GET', path: '/v1/projects' },
    { name: 'create a project', method: 'POST', path: '/v1/projects', body: { name: 'new' } },
    ...projectRoutes(projectId, memberId),
  ];
}

describe('isolation between users and projects', () => {
  let server: TestServer;
  let alice: Caller;
  let bob: Caller;
  let carol: Caller;
  let bobsProject: string;
  let alicesProject: string;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_PULL: '0', SYNC_RATE_LIMIT_OTHER: '0' });
    alice = await createCaller(server, 'alice@example.com');
    bob = await createCaller(server, 'bob@example.com');
    bobsProject = await createProject(server, bob, "bob's");
    carol = await addMember(server, bob, bobsProject, 'carol@example.com', 'writer');
    expect((await push(server, bob, bobsProject, { device_id: 'bob', session_id: 's', events: makeEvents(1, 10) })).status).toBe(200);
    alicesProject = await createProject(server, alice, "alice's");
  });
  afterAll(() => server.close());
  afterEach(() => jest.restoreAllMocks());

  const send = (route: Route, apiKey: string | undefined, headers: Record<string, string> = {}): Promise<HttpResult> =>
    http(server.url, route.method, route.path, { apiKey, body: route.body, headers });

  /** The request is refused as expected and nothing stored changed. */
  async function expectRefusedUnchanged(request: () => Promise<HttpResult>, status: number, code: string): Promise<void> {
    const before = storedState(server.dataDir);
    expectError(await request(), status, code);
    expect(storedState(server.dataDir)).toBe(before);
  }

  it("a key of user A can do nothing on user B's project, on any route (403, nothing changed)", async () => {
    for (const memberId of [bob.userId, carol.userId]) {
      for (const route of projectRoutes(bobsProject, memberId)) {
        await expectRefusedUnchanged(() => send(route, alice.apiKey), 403, 'forbidden');
      }
    }
    expect((await http<Array<{ id: string }>>(server.url, 'GET', '/v1/projects', { apiKey: alice.apiKey })).body.map((p) => p.id)).toEqual([alicesProject]);
  });

  it('claiming to be someone else in headers, the query or the body changes nothing', async () => {
    const pull = { name: 'pull', method: 'GET', path: `/v1/projects/${bobsProject}/sync/pull?user_id=${bob.userId}&as=${bob.userId}` };
    const claims = {
      'x-user-id': bob.userId,
      'x-forwarded-user': bob.email,
      'x-remote-user': bob.email,
      'x-api-key': bob.apiKey.slice(0, -1) + 'x',
      cookie: `user_id=${bob.userId}`,
    };
    await expectRefusedUnchanged(() => send(pull, alice.apiKey, claims), 403, 'forbidden');
    const claimsInBody = { name: 'push', method: 'POST', path: `/v1/projects/${bobsProject}/sync/push`, body: { user_id: bob.userId, device_id: 'x', session_id: 's', events: makeEvents(901, 1) } };
    await expectRefusedUnchanged(() => send(claimsInBody, alice.apiKey), 403, 'forbidden');
    // Two keys in one header are no key at all.
    await expectRefusedUnchanged(() => send(pull, undefined, { authorization: `Bearer ${alice.apiKey} ${bob.apiKey}` }), 401, 'unauthorized');
    await expectRefusedUnchanged(() => send(pull, undefined, { authorization: `Bearer ${alice.apiKey}, Bearer ${bob.apiKey}` }), 401, 'unauthorized');
  });

  it("reaching B's project or members through A's own project finds nothing there", async () => {
    const bobsSide = () => {
      const state = JSON.parse(storedState(server.dataDir)) as { server: { memberships: Array<{ project_id: string }>; projects: Array<{ id: string }> }; events: Record<string, unknown> };
      return JSON.stringify([state.server.memberships.filter((m) => m.project_id === bobsProject), state.server.projects.find((p) => p.id === bobsProject), state.events[bobsProject]]);
    };
    const before = bobsSide();
    expectError(await http(server.url, 'DELETE', `/v1/projects/${alicesProject}/members/${bob.userId}`, { apiKey: alice.apiKey }), 404, 'not_found');
    expectError(await http(server.url, 'PATCH', `/v1/projects/${alicesProject}/members/${carol.userId}`, { apiKey: alice.apiKey, body: { role: 'reader' } }), 404, 'not_found');
    const renamed = await http(server.url, 'PATCH', `/v1/projects/${alicesProject}`, { apiKey: alice.apiKey, body: { id: bobsProject, project_id: bobsProject, name: 'renamed' } });
    expect(renamed.status).toBe(200);
    const added = await http(server.url, 'POST', `/v1/projects/${alicesProject}/members`, { apiKey: alice.apiKey, body: { user_id: bob.userId, project_id: bobsProject, role: 'reader' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ project_id: alicesProject, user_id: bob.userId });
    expect(bobsSide()).toBe(before);
  });

  it('a revoked key fails on every authenticated route (401, nothing changed)', async () => {
    const dave = await createCaller(server, 'dave@example.com');
    const project = await createProject(server, dave, "dave's");
    const stored = JSON.parse(storedState(server.dataDir)) as { server: { api_keys: Array<{ id: string; user_id: string }> } };
    await server.app.get(ApiKeyService).revoke(stored.server.api_keys.find((k) => k.user_id === dave.userId)!.id);
    for (const route of everyAuthenticatedRoute(project, dave.userId)) {
      await expectRefusedUnchanged(() => send(route, dave.apiKey), 401, 'unauthorized');
    }
  });

  it('an expired key fails on every authenticated route (401, nothing changed), and worked the moment before', async () => {
    const erin = await createCaller(server, 'erin@example.com');
    const project = await createProject(server, erin, "erin's");
    const stored = JSON.parse(storedState(server.dataDir)) as { server: { api_keys: Array<{ user_id: string; expires_at: string }> } };
    const expiresAt = Date.parse(stored.server.api_keys.find((k) => k.user_id === erin.userId)!.expires_at);
    travelForward(server, expiresAt - Date.now() - 60_000);
    expect((await http(server.url, 'GET', `/v1/projects/${project}/sync/status`, { apiKey: erin.apiKey })).status).toBe(200);
    travelForward(server, expiresAt - Date.now() + 1000);
    for (const route of everyAuthenticatedRoute(project, erin.userId)) {
      await expectRefusedUnchanged(() => send(route, erin.apiKey), 401, 'unauthorized');
    }
  });

  it('every presented secret is compared in constant time: link secrets and PKCE verifiers through timingSafeEqual, keys and device codes only by their SHA-256', async () => {
    const mailbox = await startMailbox();
    const own = await startTestServer({ SYNC_RATE_LIMIT_AUTH: '0', SYNC_EMAIL_PROVIDER: 'smtp', SYNC_SMTP_URL: mailbox.url });
    try {
      const pkce = newPkcePair();
      const started = await http<{ device_code: string }>(own.url, 'POST', '/v1/auth/device/start', {
        body: { email: 'timing@example.com', code_challenge: pkce.challenge, code_challenge_method: 'S256' },
      });
      const email = await mailbox.next('timing@example.com');
      const token = /token=([0-9a-f]{24})\.([0-9A-Za-z]{32})/.exec(email.text)!;
      const compare = jest.spyOn(crypto, 'timingSafeEqual');

      // A guessed secret for a real selector: compared by hash, in constant time, and refused.
      const guessed = await http<string>(own.url, 'GET', `/auth/device/approve?token=${token[1]}.${'A'.repeat(32)}`);
      expect(guessed.text).toContain('not valid');
      expect(compare).toHaveBeenCalled();
      const [left, right] = compare.mock.calls.at(-1)!.map((b) => Buffer.from(b as Uint8Array).toString());
      expect(left).toBe(crypto.createHash('sha256').update('A'.repeat(32)).digest('hex'));
      expect(right).not.toBe(left);

      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      expect((await http<string>(own.url, 'POST', '/auth/device/approve', { body: `token=${token[1]}.${token[2]}`, headers: form })).text).toContain('approved');
      compare.mockClear();
      expectError(await http(own.url, 'POST', '/v1/auth/device/poll', { body: { device_code: started.body.device_code, code_verifier: newPkcePair().verifier } }), 401, 'invalid_verifier');
      expect(compare).toHaveBeenCalledTimes(1);

      // What is looked up instead of compared is stored only as a SHA-256: the key and the device code never are.
      const done = await http<{ api_key: string }>(own.url, 'POST', '/v1/auth/device/poll', { body: { device_code: started.body.device_code, code_verifier: pkce.verifier } });
      const state = storedState(own.dataDir);
      for (const secret of [done.body.api_key, started.body.device_code, token[2], pkce.verifier]) expect(state).not.toContain(secret);
      expect(state).toContain(crypto.createHash('sha256').update(done.body.api_key).digest('hex'));
      expect(state).toContain(crypto.createHash('sha256').update(started.body.device_code).digest('hex'));
    } finally {
      await own.close();
      await mailbox.close();
    }
  });
});

describe('guessing login codes (default rate limits)', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer({ SYNC_CODE_LOGIN: 'direct' }); // the right code alone connects the device
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await server.close();
  });

  it('stops a brute force of user codes after 10 tries a minute, even before the right code, which then verifies nothing', async () => {
    const started = await http<{ device_code: string; user_code: string }>(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'victim@example.com' } });
    expect(started.status).toBe(200);
    const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
    const guesses: HttpResult[] = [];
    for (let i = 0; guesses.length < 30; i++) {
      const guess = Array.from({ length: 6 }, (_, k) => alphabet[(i * 7 + k * 13) % alphabet.length]).join('');
      if (guess !== started.body.user_code) guesses.push(await submitUserCode(server, guess));
    }
    // The start used one of the 10; nine wrong guesses got the page, every later one a 429.
    expect(guesses.slice(0, 9).every((g) => g.status === 404 && g.text.includes('Invalid or expired code.'))).toBe(true);
    for (const limited of guesses.slice(9)) {
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    const right = await submitUserCode(server, started.body.user_code);
    expect(right.status).toBe(429);
    expect((await http(server.url, 'POST', '/v1/auth/login/poll', { body: { device_code: started.body.device_code } })).body).toEqual({ status: 'pending' });

    // A minute later the owner of the code can still use it.
    travelForward(server, 61_000);
    expect((await submitUserCode(server, started.body.user_code)).text).toContain('Device connected');
  });

  it('stops guessing approval-link secrets the same way', async () => {
    const results: number[] = [];
    for (let i = 0; i < 15; i++) {
      results.push((await http(server.url, 'GET', `/auth/device/approve?token=${'a'.repeat(24)}.${String(i).padStart(32, 'x')}`)).status);
    }
    expect(results.slice(0, 10).every((s) => s === 404)).toBe(true);
    expect(results.slice(10).every((s) => s === 429)).toBe(true);
  });
});

describe('secrets in the log (built server, debug level)', () => {
  let mailbox: Mailbox;

  beforeAll(async () => {
    mailbox = await startMailbox();
  });
  afterAll(() => mailbox.close());

  it('never writes an API key, device code, user code, link secret or verifier to stdout or stderr, errors included', async () => {
    const server = await spawnServer({
      env: { SYNC_LOG_LEVEL: 'debug', SYNC_EMAIL_PROVIDER: 'smtp', SYNC_SMTP_URL: mailbox.url, SYNC_RATE_LIMIT_AUTH: '0', SYNC_RATE_LIMIT_OTHER: '5', SYNC_CODE_LOGIN: 'direct' },
    });
    const secrets: string[] = [];
    try {
      // Typed-code login, completed and then polled again (410).
      const started = await http<{ device_code: string; user_code: string }>(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'logs@example.com' } });
      secrets.push(started.body.device_code, started.body.user_code);
      await submitUserCode(server, started.body.user_code);
      const polled = await http<{ api_key: string }>(server.url, 'POST', '/v1/auth/login/poll', { body: { device_code: started.body.device_code } });
      secrets.push(polled.body.api_key, polled.body.api_key.slice('td_live_'.length));
      await http(server.url, 'POST', '/v1/auth/login/poll', { body: { device_code: started.body.device_code } });

      // Email-link login: a wrong verifier, then the right one.
      const pkce = newPkcePair();
      const linkStart = await http<{ device_code: string }>(server.url, 'POST', '/v1/auth/device/start', {
        body: { email: 'logs@example.com', code_challenge: pkce.challenge, code_challenge_method: 'S256', device_name: 'laptop' },
      });
      secrets.push(linkStart.body.device_code, pkce.verifier);
      const token = /token=([0-9a-f]{24}\.([0-9A-Za-z]{32}))/.exec((await mailbox.next('logs@example.com')).text)!;
      secrets.push(token[2]);
      await http(server.url, 'GET', `/auth/device/approve?token=${token[1]}`);
      await http(server.url, 'POST', '/auth/device/approve', { body: `token=${token[1]}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      await http(server.url, 'POST', '/v1/auth/device/poll', { body: { device_code: linkStart.body.device_code, code_verifier: newPkcePair().verifier } });
      const linkDone = await http<{ api_key: string }>(server.url, 'POST', '/v1/auth/device/poll', { body: { device_code: linkStart.body.device_code, code_verifier: pkce.verifier } });
      secrets.push(linkDone.body.api_key);

      // The key in use, in every way a request can go wrong: 400, 401 (a near miss), 403, 404, 429, and a 500.
      const apiKey = polled.body.api_key;
      const project = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey, body: { name: 'logged' } });
      await http(server.url, 'POST', `/v1/projects/${project.body.id}/sync/push`, { apiKey, body: '{"device_id":' });
      await http(server.url, 'GET', '/v1/projects', { apiKey: apiKey.slice(0, -1) + (apiKey.endsWith('a') ? 'b' : 'a') });
      await http(server.url, 'GET', '/v1/projects', { headers: { authorization: `Basic ${apiKey}` } });
      await http(server.url, 'GET', '/v1/projects/p_0000000000000000', { apiKey });
      await http(server.url, 'GET', `/v1/projects?api_key=${apiKey}`, { apiKey });
      for (let i = 0; i < 6; i++) await http(server.url, 'GET', '/v1/projects', { apiKey: linkDone.body.api_key });
      rmSync(`${server.dataDir}/projects/${project.body.id}`, { recursive: true });
      const failed = await http(server.url, 'GET', `/v1/projects/${project.body.id}/sync/pull`, { apiKey, headers: { 'x-api-key': apiKey } });
      expect(failed.status).toBe(500);
      await server.waitForLine(new RegExp(failed.headers.get('x-request-id')!));

      server.process.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      const output = [...server.stdout, ...server.stderr].join('\n');
      expect(output).toContain('request completed');
      expect(output).toContain('request failed');
      for (const secret of secrets) expect({ secret, logged: output.includes(secret) }).toEqual({ secret, logged: false });
    } finally {
      if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
      await server.exited;
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });
});
