import { Logger } from '@nestjs/common';
import { AuthRequestCleanup } from '@td-sync/auth';
import { AuthRequestsRepository, StorageConnection } from '@td-sync/storage';
import type { AuthRequest } from '@td-sync/storage';
import { join } from 'node:path';
import { Client } from 'pg';
import { withDatabase } from './support/database-files';
import { expectError, http } from './support/http';
import { loginViaUserCode, newPkcePair, submitUserCode } from './support/login';
import { storedCount, storedRows } from './support/stored-rows';
import { Backend, createCaller, describeEachBackend, startTestServer, TestServer } from './support/test-server';
import { travelForward } from './support/time-travel';

/** Rate limits are issue 6's subject; here they would only turn the flows under test into 429s. */
const NO_RATE_LIMITS = { SYNC_RATE_LIMIT_AUTH: '0', SYNC_RATE_LIMIT_AUTH_POLL: '0' };
/** PROTOCOL.md's "Device login" as written is code login mode "direct"; code-login-modes.e2e-spec.ts covers the modes. */
const SERVER_ENV = { ...NO_RATE_LIMITS, SYNC_CODE_LOGIN: 'direct' };
const MINUTE = 60 * 1000;
/** How a backend's storage refuses work once it is closed (the error the pages log). */
const CLOSED_STORAGE: Record<Backend, string> = { sqlite: 'database connection is not open', postgres: 'Cannot use a pool after calling end on the pool' };
const FIFTEEN_MINUTES = 15 * MINUTE;

interface StartBody {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval: number;
}

function start(server: TestServer, email: unknown) {
  return http<StartBody>(server.url, 'POST', '/v1/auth/login/start', { body: { email } });
}

function poll(server: TestServer, deviceCode: unknown) {
  return http(server.url, 'POST', '/v1/auth/login/poll', { body: { device_code: deviceCode } });
}

describeEachBackend('typed-code device login (POST /v1/auth/login/*, /auth/verify)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...SERVER_ENV, SYNC_BASE_URL: 'https://sync.example.test/' }, { backend });
  });
  afterAll(() => server.close());
  afterEach(() => jest.restoreAllMocks());

  it('walks start → verify page → poll, and the key it issues authenticates', async () => {
    const started = await start(server, '  Ada@Example.com ');
    expect(started.status).toBe(200);
    expect(started.body).toEqual({
      device_code: expect.stringMatching(/^[0-9a-f]{40}$/),
      user_code: expect.stringMatching(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/),
      verification_uri: 'https://sync.example.test/auth/verify',
      expires_in: 900,
      interval: 5,
    });
    expect(await poll(server, started.body.device_code)).toMatchObject({ status: 200, body: { status: 'pending' } });

    const page = await submitUserCode(server, started.body.user_code);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('Device connected');
    expect(page.text).toContain('ada@example.com');

    const before = Date.now();
    const done = await poll(server, started.body.device_code);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({
      status: 'complete',
      api_key: expect.stringMatching(/^td_live_[0-9A-Za-z]{32}$/),
      user_id: expect.stringMatching(/^u_[0-9a-f]{16}$/),
      email: 'ada@example.com',
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
    const yearAhead = Date.parse(done.body.expires_at) - before;
    expect(yearAhead).toBeGreaterThan(364 * 24 * 3600 * 1000);
    expect(yearAhead).toBeLessThan(366 * 24 * 3600 * 1000);

    const projects = await http(server.url, 'GET', '/v1/projects', { apiKey: done.body.api_key });
    expect(projects.status).toBe(200);
  });

  it('issues the key once: a second poll is 410 already_used', async () => {
    const started = await start(server, 'once@example.com');
    await submitUserCode(server, started.body.user_code);
    expect((await poll(server, started.body.device_code)).body.status).toBe('complete');
    expectError(await poll(server, started.body.device_code), 410, 'already_used');
  });

  it('gives concurrent polls of one verified request exactly one key', async () => {
    const started = await start(server, 'racer@example.com');
    await submitUserCode(server, started.body.user_code);
    const results = await Promise.all(Array.from({ length: 8 }, () => poll(server, started.body.device_code)));
    expect(results.filter((r) => r.status === 200 && r.body.status === 'complete')).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 410, 'already_used');
  });

  it('matches the code case-insensitively, ignoring spaces and dashes', async () => {
    for (const spell of [(c: string) => c.toLowerCase(), (c: string) => `${c.slice(0, 3)}-${c.slice(3)}`, (c: string) => ` ${c.slice(0, 2)} ${c.slice(2, 4).toLowerCase()} – ${c.slice(4)} `]) {
      const started = await start(server, 'spelling@example.com');
      const page = await submitUserCode(server, spell(started.body.user_code));
      expect(page.text).toContain('Device connected');
      expect((await poll(server, started.body.device_code)).body.status).toBe('complete');
    }
  });

  it('answers 410 expired after 15 minutes, and the verify page refuses the stale code', async () => {
    const verifiedThenLate = await start(server, 'late@example.com');
    await submitUserCode(server, verifiedThenLate.body.user_code);
    const neverVerified = await start(server, 'late@example.com');

    travelForward(server, FIFTEEN_MINUTES + 1000);
    expectError(await poll(server, verifiedThenLate.body.device_code), 410, 'expired');
    expectError(await poll(server, neverVerified.body.device_code), 410, 'expired');
    const page = await submitUserCode(server, neverVerified.body.user_code);
    expect(page.status).toBe(404);
    expect(page.text).toContain('Invalid or expired code.');
  });

  it('still completes a moment before the 15 minutes are over', async () => {
    const started = await start(server, 'justintime@example.com');
    travelForward(server, FIFTEEN_MINUTES - 5000);
    await submitUserCode(server, started.body.user_code);
    expect((await poll(server, started.body.device_code)).body.status).toBe('complete');
  });

  it('answers an unknown device code with 404 not_found', async () => {
    expectError(await poll(server, 'f'.repeat(40)), 404, 'not_found');
  });

  it('does not complete a PKCE device code on the typed-code poll', async () => {
    const device = await http<{ device_code: string }>(server.url, 'POST', '/v1/auth/device/start', {
      body: { email: 'mixed@example.com', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' },
    });
    expectError(await poll(server, device.body.device_code), 404, 'not_found');
  });

  it.each([
    ['a missing device_code', {}],
    ['an empty device_code', { device_code: '' }],
    ['a device_code that is not a string', { device_code: 42 }],
  ])('answers %s on poll with 400 bad_request', async (_case, body) => {
    expectError(await http(server.url, 'POST', '/v1/auth/login/poll', { body }), 400, 'bad_request');
  });

  it.each([
    ['no email', {}],
    ['an empty email', { email: '' }],
    ['only spaces', { email: '   ' }],
    ['no @', { email: 'not-an-email' }],
    ['no domain', { email: 'a@' }],
    ['no local part', { email: '@example.com' }],
    ['a space inside', { email: 'a b@example.com' }],
    ['a display name', { email: 'Ada <ada@example.com>' }],
    ['two @', { email: 'a@b@example.com' }],
    ['a number', { email: 42 }],
  ])('answers a start with %s with 400 bad_request', async (_case, body) => {
    expectError(await http(server.url, 'POST', '/v1/auth/login/start', { body }), 400, 'bad_request');
  });

  it('answers malformed JSON and a missing body with 400 bad_request', async () => {
    expectError(await http(server.url, 'POST', '/v1/auth/login/start', { body: '{"email": ', headers: { 'content-type': 'application/json' } }), 400, 'bad_request');
    expectError(await http(server.url, 'POST', '/v1/auth/login/start'), 400, 'bad_request');
    expectError(await http(server.url, 'POST', '/v1/auth/login/poll', { body: '[1,2]' }), 400, 'bad_request');
  });

  it('lets concurrent first verifications of one new email create exactly one user', async () => {
    const email = 'twins@example.com';
    const starts = await Promise.all(Array.from({ length: 6 }, () => start(server, email)));
    const pages = await Promise.all(starts.map((s) => submitUserCode(server, s.body.user_code)));
    for (const page of pages) expect(page.text).toContain('Device connected');
    const polls = await Promise.all(starts.map((s) => poll(server, s.body.device_code)));
    expect(new Set(polls.map((p) => p.body.user_id)).size).toBe(1);
    expect(await storedCount(server, 'SELECT count(*) FROM users WHERE email = ?', email)).toBe(1);
  });

  it('shares accounts with the rest of the server: an existing user logs into the same account', async () => {
    const existing = await createCaller(server, 'known@example.com');
    const loggedIn = await loginViaUserCode(server, 'KNOWN@example.com');
    expect(loggedIn).toMatchObject({ userId: existing.userId, email: 'known@example.com' });
  });
});

describeEachBackend('the verify page (GET and POST /auth/verify)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(SERVER_ENV, { backend });
  });
  afterAll(() => server.close());

  it('is an HTML page with one labelled field posting user_code to /auth/verify', async () => {
    const page = await http<string>(server.url, 'GET', '/auth/verify');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.text).toMatch(/^<!doctype html>/);
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).toMatch(/<form method="post" action="\/auth\/verify"/);
    expect(page.text.match(/<input /g)).toHaveLength(1);
    expect(page.text).toContain('<label for="user_code">');
    expect(page.text).toMatch(/<input type="text" id="user_code" name="user_code" value=""/);
    expect(page.text).not.toContain('<script');
  });

  it('pre-fills the field from ?code=', async () => {
    const page = await http<string>(server.url, 'GET', '/auth/verify?code=ABC234');
    expect(page.text).toContain('name="user_code" value="ABC234"');
  });

  it('escapes what it echoes: a hostile ?code= stays text', async () => {
    const page = await http<string>(server.url, 'GET', `/auth/verify?code=${encodeURIComponent('"><script>x</script>')}`);
    expect(page.text).not.toContain('<script>');
    // Cut to 16 characters (a code with separators is shorter), then escaped.
    expect(page.text).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/scr"');
  });

  it.each([
    ['an unknown code', 'ZZZZZZ', 404],
    ['a code with letters outside the alphabet', 'ABC10O', 400],
    ['a code of the wrong length', 'ABC2345', 400],
  ])('answers %s (%s) with an HTML page saying "Invalid or expired code.", status %d', async (_case, code, status) => {
    const page = await submitUserCode(server, code);
    expect(page.status).toBe(status);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('Invalid or expired code.');
  });

  it('asks for a code, with status 400, when the field is empty or missing', async () => {
    const empty = await submitUserCode(server, '  ');
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Please enter a code.');
    const missing = await http<string>(server.url, 'POST', '/auth/verify', { body: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-type')).toMatch(/^text\/html/);
    expect(missing.text).toContain('Please enter a code.');
  });

  it('names the server on the form, so a person can check it against the address td printed', async () => {
    const page = await http<string>(server.url, 'GET', '/auth/verify');
    // The host of SYNC_BASE_URL (here its default), which is what td was told to use.
    expect(page.text).toContain("Check that td printed this server's address: <strong>localhost:8080</strong>");
    expect(page.text).toContain('<footer>td-sync server <strong>localhost:8080</strong></footer>');
  });

  it('answers HTML, never the JSON error body, to a JSON body', async () => {
    const json = await http<string>(server.url, 'POST', '/auth/verify', { body: { user_code: 'ZZZZZZ' } });
    expect(json.headers.get('content-type')).toMatch(/^text\/html/);
    expect(json.text).toContain('Invalid or expired code.');
  });

  it('refuses a form body that is not UTF-8 with 400 before the page runs, never 500', async () => {
    // Body parsing fails inside Fastify, before routing, so the application-wide
    // error filter answers (as JSON); no browser sends such a form.
    const broken = await fetch(`${server.url}/auth/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from([0x75, 0x73, 0x65, 0x72, 0x5f, 0x63, 0x6f, 0x64, 0x65, 0x3d, 0xff, 0xfe]),
    });
    expect(broken.status).toBe(400);
  });

  it('answers HTML with no 500 when the database is gone', async () => {
    const broken = await startTestServer(SERVER_ENV, { backend });
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      await broken.app.get(StorageConnection).close();
      const page = await submitUserCode(broken, 'ABC234');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toContain('Something went wrong');
      expect(page.text).not.toContain('database');
      expect(errors).toHaveBeenCalledWith(expect.objectContaining({ path: '/auth/verify' }), expect.stringContaining(CLOSED_STORAGE[backend]));
    } finally {
      errors.mockRestore();
      await broken.close();
    }
  });
});

describeEachBackend('typed-code login with signups off', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...SERVER_ENV, SYNC_ALLOW_SIGNUP: 'false' }, { backend });
  });
  afterAll(() => server.close());

  it('refuses an unknown email at start with 403 signup_disabled', async () => {
    expectError(await start(server, 'stranger@example.com'), 403, 'signup_disabled');
  });

  it('lets an existing user log in', async () => {
    const existing = await createCaller(server, 'member@example.com');
    expect(await loginViaUserCode(server, ' Member@Example.com')).toMatchObject({ userId: existing.userId });
  });

  it('creates no account at verify for a request started while signups were on', async () => {
    // Another server on the same database, with signups on.
    const open = await startTestServer({ ...SERVER_ENV, SYNC_SERVER_DB_PATH: `${server.dataDir}/server.db` }, { backend, database: server.database });
    try {
      const started = await start(open, 'latecomer@example.com');
      expect(started.status).toBe(200);
      const page = await submitUserCode(server, started.body.user_code);
      expect(page.status).toBe(403);
      expect(page.text).toContain('Signups are disabled');
      expect(await storedCount(server, 'SELECT count(*) FROM users WHERE email = ?', 'latecomer@example.com')).toBe(0);
      expect((await poll(server, started.body.device_code)).body).toEqual({ status: 'pending' });
    } finally {
      await open.close();
    }
  });
});


/** PROTOCOL.md: expired auth requests (of both login flows) are purged by a background job every 5 minutes. */
describeEachBackend('the expired auth request cleanup job', (backend) => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer(SERVER_ENV, { backend }); // a typed code alone verifies a request
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await server.close();
  });

  /** The stored login requests, read from the server's database. */
  const requests = () => storedRows<AuthRequest>(server, 'SELECT * FROM auth_requests');
  /** Changes the server database's schema from a connection of its own, as an operator's tool could. */
  const alter = async (sql: string) => {
    if (!server.database) return withDatabase(join(server.dataDir, 'server.db'), (db) => db.exec(sql));
    const client = new Client({ connectionString: server.database.url });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };

  it('is scheduled every 5 minutes while the application runs', () => {
    // Node keeps a repeating timer's period in `_repeat`; a cleared timer's is null.
    const interval = server.app.get(AuthRequestCleanup).timer as (NodeJS.Timeout & { _repeat: number | null }) | undefined;
    expect(interval?._repeat).toBe(5 * MINUTE);
    expect(interval?.hasRef()).toBe(false);
  });

  it('purges expired requests of both flows, in every state, and keeps live ones', async () => {
    const typed = await http<{ device_code: string; user_code: string }>(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'old@example.com' } });
    await submitUserCode(server, typed.body.user_code);
    const pkce = newPkcePair();
    await http(server.url, 'POST', '/v1/auth/device/start', { body: { email: 'old@example.com', code_challenge: pkce.challenge, code_challenge_method: 'S256' } });
    expect(await requests()).toHaveLength(2);

    travelForward(server, 10 * MINUTE);
    await http(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'fresh@example.com' } });
    travelForward(server, 16 * MINUTE);
    await server.app.get(AuthRequestCleanup).run();

    const left = await requests();
    expect(left.map((r) => r.email)).toEqual(['fresh@example.com']);
    // Once purged, the device code is simply unknown.
    expect((await http(server.url, 'POST', '/v1/auth/login/poll', { body: { device_code: typed.body.device_code } })).status).toBe(404);
  });

  it('never throws: a failed run logs a warning and the next run works again', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const cleanup = server.app.get(AuthRequestCleanup);
    await http(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'stale@example.com' } });
    travelForward(server, 16 * MINUTE);

    // A real fault: the table is briefly not there.
    await alter('ALTER TABLE auth_requests RENAME TO auth_requests_away');
    await expect(cleanup.run()).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(backend === 'sqlite' ? 'no such table' : 'relation "auth_requests" does not exist'));

    await alter('ALTER TABLE auth_requests_away RENAME TO auth_requests');
    await expect(cleanup.run()).resolves.toBeUndefined();
    expect(await requests()).toHaveLength(0);
  });

  it('does not throw once the database is closed', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await server.app.get(StorageConnection).close();
    await expect(server.app.get(AuthRequestCleanup).run()).resolves.toBeUndefined();
  });
});

/** PostgreSQL mode: every node runs the purge job; it is safe for them to run it at once. */
describe('the cleanup job on several nodes (postgres)', () => {
  let nodes: TestServer[];

  beforeAll(async () => {
    const first = await startTestServer(SERVER_ENV, { backend: 'postgres' });
    nodes = [first, ...(await Promise.all([1, 2].map(() => startTestServer(SERVER_ENV, { backend: 'postgres', database: first.database }))))];
  });
  afterAll(async () => {
    for (const node of nodes.reverse()) await node.close();
  });

  it('deletes each expired request once when three nodes purge at the same moment, and keeps live ones', async () => {
    for (let i = 0; i < 30; i++) expect((await start(nodes[i % 3], `purged-${i}@example.com`)).status).toBe(200);
    // Every request so far expires by `cutoff`; one started a minute later does not.
    const cutoff = new Date(Date.now() + FIFTEEN_MINUTES).toISOString();
    travelForward(nodes[0], MINUTE);
    expect((await start(nodes[0], 'live@example.com')).status).toBe(200);
    const counts = await Promise.all(nodes.map((node) => node.app.get(AuthRequestsRepository).purgeExpired(cutoff)));
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(30);
    expect((await storedRows<AuthRequest>(nodes[1], 'SELECT * FROM auth_requests')).map((r) => r.email)).toEqual(['live@example.com']);
    jest.restoreAllMocks();
  });
});
