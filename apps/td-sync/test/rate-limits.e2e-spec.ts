import { expectError, http, HttpResult } from './support/http';
import { spawnServer } from './support/spawned-server';
import { Caller, createCaller, describeEachBackend, startTestServer, TestServer } from './support/test-server';
import { addMember, createProject as createSyncProject, makeEvent, pull, push } from './support/sync';
import { travelForward } from './support/time-travel';
import { rmSync } from 'node:fs';

/**
 * PROTOCOL.md, Rate limits, with the default limits: auth 10/min per IP shared
 * by every auth route, auth polling 300/min per IP, push 60/min, pull 120/min
 * and everything else 300/min per API key, in fixed one-minute windows.
 */
describeEachBackend('rate limits', (backend) => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer({}, { backend });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await server.close();
  });

  const startLogin = (email = 'rl@example.com', headers: Record<string, string> = {}) =>
    http(server.url, 'POST', '/v1/auth/login/start', { body: { email }, headers });

  async function createProject(apiKey: string): Promise<string> {
    const created = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey, body: { name: 'limits' } });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  let actionId = 0;
  const pushOne = (apiKey: string, projectId: string) =>
    http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, {
      apiKey,
      body: {
        device_id: 'dev',
        session_id: 'ses',
        events: [{ client_action_id: ++actionId, action_type: 'create', entity_type: 'issues', entity_id: 'td-1', payload: {}, client_timestamp: '2026-01-31T08:15:02Z' }],
      },
    });

  function expectLimited(result: HttpResult, limit: number): void {
    expectError(result, 429, 'rate_limited');
    const retryAfter = Number(result.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(result.headers.get('x-ratelimit-limit')).toBe(String(limit));
    expect(result.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(result.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
  }

  /** Sends `count` requests one after another and returns the answers. */
  async function repeat(count: number, send: (i: number) => Promise<HttpResult>): Promise<HttpResult[]> {
    const results: HttpResult[] = [];
    for (let i = 0; i < count; i++) results.push(await send(i));
    return results;
  }

  it('auth: 10 per minute per IP, one budget shared by every auth route', async () => {
    const routes = [
      () => startLogin(),
      () => http(server.url, 'GET', '/auth/verify'),
      () => http(server.url, 'POST', '/v1/auth/device/start', { body: { email: 'rl@example.com', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' } }),
      () => http(server.url, 'GET', '/auth/device/approve?token=a.b'),
    ];
    const results = await repeat(10, (i) => routes[i % routes.length]());
    for (const result of results) expect(result.status).not.toBe(429);
    expect(results[9].headers.get('x-ratelimit-remaining')).toBe('0');
    expectLimited(await http(server.url, 'POST', '/auth/verify', { body: 'user_code=ABC234', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 10);
  });

  it('auth polling: 300 per minute per IP in its own bucket', async () => {
    const poll = () => http(server.url, 'POST', '/v1/auth/login/poll', { body: { device_code: 'f'.repeat(40) } });
    const results = await repeat(300, poll);
    expect(results.filter((r) => r.status === 429)).toHaveLength(0);
    expectLimited(await poll(), 300);
    expectLimited(await http(server.url, 'POST', '/v1/auth/device/poll', { body: { device_code: 'f'.repeat(64), code_verifier: 'v'.repeat(43) } }), 300);
    // The login budget is untouched by polling.
    expect((await startLogin()).status).toBe(200);
  });

  it('never limits the polling of a full 15-minute login at the advertised 5-second interval', async () => {
    const start = await startLogin();
    expect(start.status).toBe(200);
    const { device_code, interval, expires_in } = start.body as { device_code: string; interval: number; expires_in: number };
    const polls = Math.floor(expires_in / interval);
    const startedAt = Date.now();
    for (let i = 0; i < polls; i++) {
      // The i-th poll at i intervals after the start, however long the real requests take.
      travelForward(server, startedAt + i * interval * 1000 - Date.now());
      const result = await http(server.url, 'POST', '/v1/auth/login/poll', { body: { device_code } });
      expect({ poll: i, status: result.status }).toEqual({ poll: i, status: 200 });
    }
  });

  it('push: 60 per minute per API key', async () => {
    const caller = await createCaller(server, 'pusher@example.com');
    const projectId = await createProject(caller.apiKey);
    const results = await repeat(60, () => pushOne(caller.apiKey, projectId));
    expect(results.map((r) => r.status)).toEqual(Array(60).fill(200));
    expectLimited(await pushOne(caller.apiKey, projectId), 60);
  });

  it('pull: 120 per minute per API key', async () => {
    const caller = await createCaller(server, 'puller@example.com');
    const projectId = await createProject(caller.apiKey);
    const pull = () => http(server.url, 'GET', `/v1/projects/${projectId}/sync/pull`, { apiKey: caller.apiKey });
    const results = await repeat(120, pull);
    expect(results.map((r) => r.status)).toEqual(Array(120).fill(200));
    expectLimited(await pull(), 120);
  });

  it('everything else authenticated: 300 per minute per API key, shared across routes', async () => {
    const caller = await createCaller(server, 'other@example.com');
    const projectId = await createProject(caller.apiKey); // request 1
    const results = await repeat(299, (i) =>
      i % 2 === 0
        ? http(server.url, 'GET', '/v1/projects', { apiKey: caller.apiKey })
        : http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: caller.apiKey }),
    );
    expect(results.filter((r) => r.status !== 200)).toHaveLength(0);
    expectLimited(await http(server.url, 'GET', `/v1/projects/${projectId}/members`, { apiKey: caller.apiKey }), 300);
  });

  it('gives two keys of the same user separate buckets, and one tier’s exhaustion leaves the others alone', async () => {
    const first = await createCaller(server, 'two-keys@example.com');
    const second = await createCaller(server, 'two-keys@example.com');
    expect(second.userId).toBe(first.userId);
    const projectId = await createProject(first.apiKey);
    await repeat(60, () => pushOne(first.apiKey, projectId));
    expectLimited(await pushOne(first.apiKey, projectId), 60);

    expect((await pushOne(second.apiKey, projectId)).status).toBe(200);
    expect((await http(server.url, 'GET', `/v1/projects/${projectId}/sync/pull`, { apiKey: first.apiKey })).status).toBe(200);
    expect((await http(server.url, 'GET', '/v1/projects', { apiKey: first.apiKey })).status).toBe(200);
  });

  it('opens a fresh window once the minute has passed', async () => {
    // The window opens with the first request, at or after this instant.
    const opened = Date.now();
    await repeat(10, () => startLogin());
    expectLimited(await startLogin(), 10);
    travelForward(server, opened + 59_000 - Date.now());
    expectLimited(await startLogin(), 10);
    travelForward(server, 60_000);
    const fresh = await startLogin();
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-ratelimit-remaining')).toBe('9');
  });

  it('keys auth routes by the socket address, ignoring X-Forwarded-For from untrusted peers', async () => {
    const results = await repeat(10, (i) => startLogin('rl@example.com', { 'x-forwarded-for': `203.0.113.${i}` }));
    expect(results.filter((r) => r.status === 429)).toHaveLength(0);
    expectLimited(await startLogin('rl@example.com', { 'x-forwarded-for': '198.51.100.7' }), 10);
  });

  it('never limits /healthz and /metricz', async () => {
    for (const path of ['/healthz', '/metricz']) {
      const results = await repeat(350, () => http(server.url, 'GET', path));
      expect(results.filter((r) => r.status !== 200)).toHaveLength(0);
      expect(results[0].headers.get('x-ratelimit-limit')).toBeNull();
    }
  });
});

describeEachBackend('rate limits behind a trusted proxy', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_TRUSTED_PROXIES: '127.0.0.1/32,::1' }, { backend });
  });
  afterAll(() => server.close());

  const startFrom = (ip: string) => http(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'proxy@example.com' }, headers: { 'x-forwarded-for': ip } });

  it('keys auth routes by the client address the proxy reports', async () => {
    for (let i = 0; i < 10; i++) expect((await startFrom('203.0.113.1')).status).toBe(200);
    expect((await startFrom('203.0.113.1')).status).toBe(429);
    expect((await startFrom('203.0.113.2')).status).toBe(200);
  });
});

describeEachBackend('rate limits configured by the operator', (backend) => {
  it('turns a tier off with 0 and sets another to a custom limit', async () => {
    const server = await startTestServer({ SYNC_RATE_LIMIT_AUTH: '0', SYNC_RATE_LIMIT_OTHER: '3' }, { backend });
    try {
      for (let i = 0; i < 15; i++) {
        expect((await http(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'off@example.com' } })).status).toBe(200);
      }
      const caller = await createCaller(server, 'custom@example.com');
      for (let i = 0; i < 3; i++) expect((await http(server.url, 'GET', '/v1/projects', { apiKey: caller.apiKey })).status).toBe(200);
      const limited = await http(server.url, 'GET', '/v1/projects', { apiKey: caller.apiKey });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('x-ratelimit-limit')).toBe('3');
    } finally {
      await server.close();
    }
  });
});

describe('rate limit logging', () => {
  it('logs one warn line naming the key id or IP, never the key', async () => {
    const server = await spawnServer({ env: { SYNC_RATE_LIMIT_OTHER: '1', SYNC_CODE_LOGIN: 'direct' } });
    try {
      const start = await http<{ device_code: string; user_code: string }>(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'logged@example.com' } });
      await http(server.url, 'POST', '/auth/verify', { body: `user_code=${start.body.user_code}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const poll = await http<{ api_key: string }>(server.url, 'POST', '/v1/auth/login/poll', { body: { device_code: start.body.device_code } });
      const apiKey = poll.body.api_key;
      expect((await http(server.url, 'GET', '/v1/projects', { apiKey })).status).toBe(200);
      expect((await http(server.url, 'GET', '/v1/projects', { apiKey })).status).toBe(429);
      const line = await server.waitForLine(/rate limit hit/);
      expect(JSON.parse(line)).toMatchObject({ level: 40, tier: 'other' });
      expect(line).toMatch(/key:k_[0-9a-f]{16}/);
      expect(server.stdout.filter((l) => /rate limit hit/.test(l))).toHaveLength(1);
      expect(server.stdout.join('\n')).not.toContain(apiKey);
      expect(server.stdout.join('\n')).not.toContain(apiKey.slice('td_live_'.length));
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });
});

/** Push and pull draw from their own PROTOCOL.md budgets (per API key), status from the general one. */
describeEachBackend('sync rate limits', (backend) => {
  let server: TestServer;
  let owner: Caller;
  let projectId: string;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_RATE_LIMIT_PUSH: '2', SYNC_RATE_LIMIT_PULL: '3', SYNC_RATE_LIMIT_OTHER: '50' }, { backend });
    owner = await createCaller(server, 'limited@example.com');
    projectId = await createSyncProject(server, owner);
  });
  afterAll(() => server.close());

  it('limits pushes and pulls separately, each with 429 rate_limited and Retry-After', async () => {
    const body = (id: number) => ({ device_id: 'd', session_id: 's', events: [makeEvent(id)] });
    expect((await push(server, owner, projectId, body(1))).status).toBe(200);
    expect((await push(server, owner, projectId, body(2))).status).toBe(200);
    const refused = await push(server, owner, projectId, body(3));
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    for (let i = 0; i < 3; i++) expect((await pull(server, owner, projectId)).status).toBe(200);
    expectError(await pull(server, owner, projectId), 429, 'rate_limited');

    expect((await http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: owner.apiKey })).body).toMatchObject({ event_count: 2 });
    // Another key has budgets of its own.
    const writer = await addMember(server, owner, projectId, 'limited-writer@example.com', 'writer');
    expect((await push(server, writer, projectId, body(4))).status).toBe(200);
  });
});

/**
 * PostgreSQL mode: several nodes serve one database, and a client spreading
 * its requests over them still gets one budget (the counters live in the
 * database, not in a node's memory).
 */
describe('rate limits across nodes (postgres)', () => {
  const LIMITS = { SYNC_RATE_LIMIT_PUSH: '3', SYNC_RATE_LIMIT_AUTH: '4' };
  let nodeA: TestServer;
  let nodeB: TestServer;

  beforeAll(async () => {
    nodeA = await startTestServer(LIMITS, { backend: 'postgres' });
    nodeB = await startTestServer(LIMITS, { backend: 'postgres', database: nodeA.database });
  });
  afterAll(async () => {
    await nodeB.close();
    await nodeA.close();
  });

  it('counts a key’s pushes through every node against one budget', async () => {
    const owner = await createCaller(nodeA, 'spread@example.com');
    const projectId = await createSyncProject(nodeA, owner);
    const body = (id: number) => ({ device_id: 'd', session_id: 's', events: [makeEvent(id)] });
    expect((await push(nodeA, owner, projectId, body(1))).status).toBe(200);
    expect((await push(nodeB, owner, projectId, body(2))).status).toBe(200);
    expect((await push(nodeA, owner, projectId, body(3))).status).toBe(200);
    expectError(await push(nodeB, owner, projectId, body(4)), 429, 'rate_limited');
    expectError(await push(nodeA, owner, projectId, body(4)), 429, 'rate_limited');
  });

  it('counts an address’s logins through every node against one budget', async () => {
    const start = (node: TestServer) => http(node.url, 'POST', '/v1/auth/login/start', { body: { email: 'spread-login@example.com' } });
    const answers = [await start(nodeA), await start(nodeB), await start(nodeA), await start(nodeB)];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expectError(await start(nodeA), 429, 'rate_limited');
    expectError(await start(nodeB), 429, 'rate_limited');
  });
});
