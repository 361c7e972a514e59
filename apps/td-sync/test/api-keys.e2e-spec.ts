import { ApiKeyService } from '@td-sync/auth';
import type { ApiKey } from '@td-sync/storage';
import { createHash } from 'node:crypto';
import { expectError, http } from './support/http';
import { loginViaUserCode } from './support/login';
import { storedCount, storedRow } from './support/stored-rows';
import { describeEachBackend, startTestServer, TestServer } from './support/test-server';
import { travelForward } from './support/time-travel';

const NO_RATE_LIMITS = { SYNC_RATE_LIMIT_AUTH: '0', SYNC_RATE_LIMIT_AUTH_POLL: '0', SYNC_RATE_LIMIT_OTHER: '0' };
/** An authenticated route that exists (libs/projects); any would do. */
const AUTHENTICATED = '/v1/projects';

describeEachBackend('API keys and the Bearer guard', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...NO_RATE_LIMITS, SYNC_CODE_LOGIN: 'direct' }, { backend }); // loginViaUserCode: the code alone logs in
  });
  afterAll(() => server.close());
  afterEach(() => jest.restoreAllMocks());

  /** The stored key rows, read from the server's database. */
  const keyOf = (userId: string) => storedRow<ApiKey>(server, 'SELECT * FROM api_keys WHERE user_id = ?', userId);
  const keyById = (id: string) => storedRow<ApiKey>(server, 'SELECT * FROM api_keys WHERE id = ?', id);

  it('accepts a key issued by a login, and records its use', async () => {
    const login = await loginViaUserCode(server, 'user@example.com');
    const stored = await keyOf(login.userId);
    expect(stored.last_used_at).toBeNull();

    const result = await http(server.url, 'GET', AUTHENTICATED, { apiKey: login.apiKey });
    expect(result.status).toBe(200);
    expect((await keyById(stored.id)).last_used_at).toEqual(expect.any(String));
  });

  it('records last_used_at with one-minute resolution, so reads do not become a write on every request', async () => {
    const login = await loginViaUserCode(server, 'resolution@example.com');
    const stored = await keyOf(login.userId);
    const lastUsed = async () => (await keyById(stored.id)).last_used_at;

    expect((await http(server.url, 'GET', AUTHENTICATED, { apiKey: login.apiKey })).status).toBe(200);
    const first = await lastUsed();
    travelForward(server, 30_000);
    expect((await http(server.url, 'GET', AUTHENTICATED, { apiKey: login.apiKey })).status).toBe(200);
    expect(await lastUsed()).toBe(first);
    travelForward(server, 61_000);
    expect((await http(server.url, 'GET', AUTHENTICATED, { apiKey: login.apiKey })).status).toBe(200);
    const later = await lastUsed();
    expect(Date.parse(later!) - Date.parse(first!)).toBeGreaterThanOrEqual(60_000);
  });

  it('stores the key as a SHA-256 hash and an 8-character prefix, named device-auth with scope sync, for one year', async () => {
    const login = await loginViaUserCode(server, 'stored@example.com');
    const stored = await keyOf(login.userId);
    const secret = login.apiKey.slice('td_live_'.length);
    expect(stored).toMatchObject({
      key_hash: createHash('sha256').update(login.apiKey).digest('hex'),
      key_prefix: secret.slice(0, 8),
      name: 'device-auth',
      scopes: 'sync',
      revoked_at: null,
    });
    expect(JSON.stringify(stored)).not.toContain(secret);
    const lifetime = Date.parse(stored.expires_at) - Date.parse(stored.created_at);
    expect(lifetime).toBe(365 * 24 * 3600 * 1000);
  });

  it('issues one key per completed login', async () => {
    const first = await loginViaUserCode(server, 'twice@example.com');
    const second = await loginViaUserCode(server, 'twice@example.com');
    expect(first.apiKey).not.toBe(second.apiKey);
    expect(await storedCount(server, 'SELECT count(*) FROM api_keys WHERE user_id = ?', first.userId)).toBe(2);
  });

  it('refuses four kinds of bad credentials with 401 unauthorized and four distinct messages', async () => {
    const login = await loginViaUserCode(server, 'messages@example.com');
    const missing = await http(server.url, 'GET', AUTHENTICATED);
    const scheme = await http(server.url, 'GET', AUTHENTICATED, { headers: { authorization: `Basic ${login.apiKey}` } });
    const unknown = await http(server.url, 'GET', AUTHENTICATED, { apiKey: `td_live_${'x'.repeat(32)}` });
    travelForward(server, 366 * 24 * 3600 * 1000);
    const expired = await http(server.url, 'GET', AUTHENTICATED, { apiKey: login.apiKey });

    const refusals = [missing, scheme, unknown, expired];
    for (const refusal of refusals) {
      expectError(refusal, 401, 'unauthorized');
      expect(refusal.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(new Set(refusals.map((r) => r.body.message)).size).toBe(4);
    expect(missing.body.message).toMatch(/missing API key/);
    expect(scheme.body.message).toMatch(/Bearer/);
    expect(unknown.body.message).toMatch(/not recognised/);
    expect(expired.body.message).toMatch(/expired/);
    for (const refusal of refusals) expect(refusal.body.message).not.toContain(login.apiKey);
  });

  it('gives a revoked key, a malformed key and an empty Bearer the same answers as unknown or missing ones', async () => {
    const login = await loginViaUserCode(server, 'revoked@example.com');
    const unknown = await http(server.url, 'GET', AUTHENTICATED, { apiKey: `td_live_${'y'.repeat(32)}` });
    const stored = await keyOf(login.userId);
    await server.app.get(ApiKeyService).revoke(stored.id);
    const revoked = await http(server.url, 'GET', AUTHENTICATED, { apiKey: login.apiKey });
    const malformed = await http(server.url, 'GET', AUTHENTICATED, { headers: { authorization: 'Bearer not-a-key' } });
    expectError(revoked, 401, 'unauthorized');
    expect(revoked.body.message).toBe(unknown.body.message);
    expect(malformed.body.message).toBe(unknown.body.message);

    const missing = await http(server.url, 'GET', AUTHENTICATED);
    const emptyBearer = await http(server.url, 'GET', AUTHENTICATED, { headers: { authorization: 'Bearer ' } });
    expectError(emptyBearer, 401, 'unauthorized');
    expect(emptyBearer.body.message).toBe(missing.body.message);
  });

  it('takes the scheme in any case', async () => {
    const login = await loginViaUserCode(server, 'case@example.com');
    expect((await http(server.url, 'GET', AUTHENTICATED, { headers: { authorization: `bearer ${login.apiKey}` } })).status).toBe(200);
  });

  it('leaves public routes public: health, metrics and every login route answer without a key', async () => {
    expect((await http(server.url, 'GET', '/healthz')).status).toBe(200);
    expect((await http(server.url, 'GET', '/auth/verify')).status).toBe(200);
    // The link's page itself answers: without a token it is a 400 page saying the link is not valid.
    expect((await http(server.url, 'GET', '/auth/device/approve')).status).toBe(400);
    for (const path of ['/v1/auth/login/start', '/v1/auth/login/poll', '/v1/auth/device/start', '/v1/auth/device/poll']) {
      expectError(await http(server.url, 'POST', path, { body: {} }), 400, 'bad_request');
    }
  });
});

/** PostgreSQL mode: no node keeps keys in memory, so a revocation through one node holds on every other at once. */
describe('API keys across nodes (postgres)', () => {
  let nodeA: TestServer;
  let nodeB: TestServer;

  beforeAll(async () => {
    nodeA = await startTestServer({ ...NO_RATE_LIMITS, SYNC_CODE_LOGIN: 'direct' }, { backend: 'postgres' });
    nodeB = await startTestServer({ ...NO_RATE_LIMITS, SYNC_CODE_LOGIN: 'direct' }, { backend: 'postgres', database: nodeA.database });
  });
  afterAll(async () => {
    await nodeB.close();
    await nodeA.close();
  });

  it('accepts a key issued through one node on the other, and refuses it on both once revoked through one', async () => {
    const login = await loginViaUserCode(nodeA, 'two-nodes@example.com');
    expect((await http(nodeB.url, 'GET', AUTHENTICATED, { apiKey: login.apiKey })).status).toBe(200);
    const stored = await storedRow<ApiKey>(nodeA, 'SELECT * FROM api_keys WHERE user_id = ?', login.userId);
    expect(stored.last_used_at).toEqual(expect.any(String));
    await nodeA.app.get(ApiKeyService).revoke(stored.id);
    expectError(await http(nodeB.url, 'GET', AUTHENTICATED, { apiKey: login.apiKey }), 401, 'unauthorized');
    expectError(await http(nodeA.url, 'GET', AUTHENTICATED, { apiKey: login.apiKey }), 401, 'unauthorized');
  });
});
