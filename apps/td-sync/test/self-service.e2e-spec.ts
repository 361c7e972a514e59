import { expectError, http } from './support/http';
import { loginViaUserCode, newPkcePair } from './support/login';
import { Mailbox, startMailbox } from './support/mailbox';
import { TIMESTAMP } from './support/projects';
import { describeEachBackend, startTestServer, TestServer } from './support/test-server';

const NO_RATE_LIMITS = { SYNC_RATE_LIMIT_AUTH: '0', SYNC_RATE_LIMIT_AUTH_POLL: '0', SYNC_RATE_LIMIT_OTHER: '0' };
const APPROVE_TOKEN = /\/auth\/device\/approve\?token=([0-9a-f]{24}\.[0-9A-Za-z]{32})/;

interface MeBody {
  user_id: string;
  email: string;
  key: { id: string; prefix: string; name: string; expires_at: string; created_at: string; last_used_at: string | null };
}

/** PROTOCOL.md, Additions of round 2: GET /v1/me and DELETE /v1/me/keys/current. */
describeEachBackend('self-service: GET /v1/me, DELETE /v1/me/keys/current', (backend) => {
  let mailbox: Mailbox;
  let server: TestServer;

  beforeAll(async () => {
    mailbox = await startMailbox();
    // direct: loginViaUserCode completes with the code alone.
    server = await startTestServer({ ...NO_RATE_LIMITS, SYNC_CODE_LOGIN: 'direct', SYNC_EMAIL_PROVIDER: 'smtp', SYNC_SMTP_URL: mailbox.url }, { backend });
  });
  afterAll(async () => {
    await server.close();
    await mailbox.close();
  });

  /** The email-approved login td v0.49+ does, over HTTP: start (with the device's name), approve the emailed link, poll. */
  async function loginByEmail(email: string, deviceName?: string): Promise<{ apiKey: string; userId: string }> {
    const pkce = newPkcePair();
    const started = await http<{ device_code: string }>(server.url, 'POST', '/v1/auth/device/start', {
      body: { email, code_challenge: pkce.challenge, code_challenge_method: 'S256', device_name: deviceName },
    });
    expect(started.status).toBe(200);
    const token = APPROVE_TOKEN.exec((await mailbox.next(email)).text)![1];
    const approved = await http<string>(server.url, 'POST', '/auth/device/approve', {
      body: new URLSearchParams({ token }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(approved.text).toContain('Sign-in approved');
    const done = await http<{ api_key: string; user_id: string }>(server.url, 'POST', '/v1/auth/device/poll', {
      body: { device_code: started.body.device_code, code_verifier: pkce.verifier },
    });
    expect(done.status).toBe(200);
    return { apiKey: done.body.api_key, userId: done.body.user_id };
  }

  const me = (apiKey?: string) => http<MeBody>(server.url, 'GET', '/v1/me', { apiKey });
  const logOut = (apiKey?: string) => http(server.url, 'DELETE', '/v1/me/keys/current', { apiKey });

  it('GET /v1/me answers who the caller is and which key they called with, in exactly the PROTOCOL.md shape', async () => {
    const before = Date.now();
    const login = await loginByEmail('grace@example.com', 'grace-laptop');
    const result = await me(login.apiKey);
    expect(result.status).toBe(200);
    expect(Object.keys(result.body)).toEqual(['user_id', 'email', 'key']);
    expect(Object.keys(result.body.key)).toEqual(['id', 'prefix', 'name', 'expires_at', 'created_at', 'last_used_at']);
    expect(result.body).toEqual({
      user_id: login.userId,
      email: 'grace@example.com',
      key: {
        id: expect.stringMatching(/^k_[0-9a-f]{16}$/),
        // The first 8 characters of the secret: enough to tell keys apart, never enough to use one.
        prefix: login.apiKey.slice('td_live_'.length, 'td_live_'.length + 8),
        name: 'grace-laptop',
        expires_at: expect.stringMatching(TIMESTAMP),
        created_at: expect.stringMatching(TIMESTAMP),
        // This very request used the key.
        last_used_at: expect.stringMatching(TIMESTAMP),
      },
    });
    const { key } = result.body;
    expect(Date.parse(key.created_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(key.expires_at) - Date.parse(key.created_at)).toBe(365 * 24 * 3600 * 1000);
    expect(Date.parse(key.last_used_at!)).toBeGreaterThanOrEqual(Date.parse(key.created_at));
    expect(result.text).not.toContain(login.apiKey);
  });

  it('names a key after the device_name the client sent at login, cleaned as the approval page shows it', async () => {
    const login = await loginByEmail('devices@example.com', '  build\tbox \u202e7 ');
    expect((await me(login.apiKey)).body.key.name).toBe('build box 7');
  });

  it('names the key device-auth when the client sent no device name, and for typed-code logins, which send none', async () => {
    const unnamed = await loginByEmail('unnamed@example.com');
    expect((await me(unnamed.apiKey)).body.key.name).toBe('device-auth');
    const typed = await loginViaUserCode(server, 'typed@example.com');
    expect((await me(typed.apiKey)).body).toMatchObject({ user_id: typed.userId, email: 'typed@example.com', key: { name: 'device-auth' } });
  });

  it('tells one user\'s keys apart: each key answers with its own id, prefix and name', async () => {
    const laptop = await loginByEmail('two-devices@example.com', 'laptop');
    const desktop = await loginViaUserCode(server, 'two-devices@example.com');
    const [a, b] = [(await me(laptop.apiKey)).body, (await me(desktop.apiKey)).body];
    expect(a.user_id).toBe(b.user_id);
    expect(a.key.id).not.toBe(b.key.id);
    expect(a.key.prefix).not.toBe(b.key.prefix);
    expect([a.key.name, b.key.name]).toEqual(['laptop', 'device-auth']);
  });

  it('DELETE /v1/me/keys/current answers 204 and revokes the calling key only: its next request is 401, the other keys work on', async () => {
    const leaving = await loginByEmail('shared-machine@example.com', 'library-pc');
    const staying = await loginViaUserCode(server, 'shared-machine@example.com');
    expect((await http(server.url, 'GET', '/v1/projects', { apiKey: leaving.apiKey })).status).toBe(200);

    const result = await logOut(leaving.apiKey);
    expect(result.status).toBe(204);
    expect(result.text).toBe('');

    expectError(await me(leaving.apiKey), 401, 'unauthorized');
    expectError(await http(server.url, 'GET', '/v1/projects', { apiKey: leaving.apiKey }), 401, 'unauthorized');
    expectError(await logOut(leaving.apiKey), 401, 'unauthorized');
    expect((await me(staying.apiKey)).body.key.name).toBe('device-auth');
  });

  it('answers 401 without a key, or with an unknown one', async () => {
    for (const apiKey of [undefined, `td_live_${'0'.repeat(32)}`]) {
      expectError(await me(apiKey), 401, 'unauthorized');
      expectError(await logOut(apiKey), 401, 'unauthorized');
    }
  });
});

describe('self-service routes share the other authenticated routes\' rate limit', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_RATE_LIMIT_OTHER: '2', SYNC_CODE_LOGIN: 'direct' });
  });
  afterAll(() => server.close());

  it('answers 429 rate_limited past SYNC_RATE_LIMIT_OTHER', async () => {
    const { apiKey } = await loginViaUserCode(server, 'limited@example.com');
    expect((await http(server.url, 'GET', '/v1/me', { apiKey })).status).toBe(200);
    expect((await http(server.url, 'GET', '/v1/me', { apiKey })).status).toBe(200);
    expectError(await http(server.url, 'GET', '/v1/me', { apiKey }), 429, 'rate_limited');
  });
});
