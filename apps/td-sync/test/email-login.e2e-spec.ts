import { Logger } from '@nestjs/common';
import { EmailOutbox } from '@td-sync/auth';
import { AuthRequestsRepository } from '@td-sync/storage';
import { createHash } from 'node:crypto';
import { expectError, http, HttpResult } from './support/http';
import { newPkcePair, PkcePair } from './support/login';
import { Mailbox, ReceivedEmail, startMailbox } from './support/mailbox';
import { storedCount, storedRow } from './support/stored-rows';
import { createCaller, describeEachBackend, startTestServer, TestServer } from './support/test-server';
import { travelForward } from './support/time-travel';

const NO_RATE_LIMITS = { SYNC_RATE_LIMIT_AUTH: '0', SYNC_RATE_LIMIT_AUTH_POLL: '0' };
const BASE_URL = 'https://sync.example.test';
const FIFTEEN_MINUTES = 15 * 60 * 1000;
const APPROVE_LINK = /https:\/\/sync\.example\.test\/auth\/device\/approve\?token=([0-9a-f]{24}\.[0-9A-Za-z]{32})/;

interface DeviceStart {
  device_code: string;
  expires_in: number;
  interval: number;
  email_sent: boolean;
}

function deviceStart(server: TestServer, email: string, pkce: PkcePair, deviceName?: string) {
  return http<DeviceStart>(server.url, 'POST', '/v1/auth/device/start', {
    body: { email, code_challenge: pkce.challenge, code_challenge_method: 'S256', device_name: deviceName },
  });
}

function devicePoll(server: TestServer, deviceCode: string, verifier: string) {
  return http(server.url, 'POST', '/v1/auth/device/poll', { body: { device_code: deviceCode, code_verifier: verifier } });
}

/** The approval link's path and query, taken from the email's text part. */
function approvePath(email: ReceivedEmail): string {
  const match = APPROVE_LINK.exec(email.text);
  if (!match) throw new Error(`no approval link in: ${email.text}`);
  return `/auth/device/approve?token=${match[1]}`;
}

function tokenOf(path: string): string {
  return new URL(path, BASE_URL).searchParams.get('token')!;
}

/** What the page's Approve button sends (a form from before the deny button sends no decision, and approves too). */
function approve(server: TestServer, token: string, decision?: 'approve' | 'deny'): Promise<HttpResult<string>> {
  return http<string>(server.url, 'POST', '/auth/device/approve', {
    body: new URLSearchParams(decision ? { token, decision } : { token }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

/** What the page's "Not me, deny" button sends. */
const deny = (server: TestServer, token: string) => approve(server, token, 'deny');

describeEachBackend('email-approved PKCE device login, email over real SMTP', (backend) => {
  let mailbox: Mailbox;
  let server: TestServer;

  beforeAll(async () => {
    mailbox = await startMailbox();
    server = await startTestServer(
      {
        ...NO_RATE_LIMITS,
        SYNC_BASE_URL: BASE_URL,
        SYNC_EMAIL_PROVIDER: 'smtp',
        SYNC_SMTP_URL: mailbox.url,
        SYNC_EMAIL_FROM: 'td-sync <noreply@sync.example.test>',
      },
      { backend },
    );
  });
  afterAll(async () => {
    await server.close();
    await mailbox.close();
  });
  afterEach(() => jest.restoreAllMocks());

  const outboxIdle = () => server.app.get(EmailOutbox).idle();

  it('walks start → email → link → approve → poll with the real verifier, and the key authenticates', async () => {
    const pkce = newPkcePair();
    const started = await deviceStart(server, ' Grace@Example.com ', pkce, 'grace-laptop');
    expect(started.status).toBe(200);
    expect(started.body).toEqual({ device_code: expect.stringMatching(/^[0-9a-f]{64}$/), expires_in: 900, interval: 5, email_sent: true });
    expect((await devicePoll(server, started.body.device_code, pkce.verifier)).body).toEqual({ status: 'pending' });

    const email = await mailbox.next('grace@example.com');
    expect(email.user).toBe('td-sync'); // authenticated with the credentials of SYNC_SMTP_URL
    expect(email.from).toBe('noreply@sync.example.test');
    expect(email.headers.get('from')).toContain('td-sync');
    expect(email.subject).toBe('Approve your td sign-in');
    expect(email.text).toContain('grace-laptop');
    expect(email.text).toMatch(/expires in 15 minutes/);
    const path = approvePath(email);
    expect(email.html).toContain(`href="${BASE_URL}${path}"`);

    // Following the link only shows the page; a mail scanner's GET approves nothing.
    const page = await http<string>(server.url, 'GET', path);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.text).toContain('grace@example.com');
    expect(page.text).toContain('grace-laptop');
    expect(page.text).toMatch(/<form method="post" action="\/auth\/device\/approve"/);
    expect(page.text).toContain(`<input type="hidden" name="token" value="${tokenOf(path)}">`);
    expect((await devicePoll(server, started.body.device_code, pkce.verifier)).body).toEqual({ status: 'pending' });

    const approved = await approve(server, tokenOf(path));
    expect(approved.status).toBe(200);
    expect(approved.text).toContain('Sign-in approved');

    expectError(await devicePoll(server, started.body.device_code, newPkcePair().verifier), 401, 'invalid_verifier');
    const before = Date.now();
    const done = await devicePoll(server, started.body.device_code, pkce.verifier);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({
      status: 'complete',
      api_key: expect.stringMatching(/^td_live_[0-9A-Za-z]{32}$/),
      user_id: expect.stringMatching(/^u_[0-9a-f]{16}$/),
      email: 'grace@example.com',
      expires_at: expect.any(String),
    });
    const ahead = Date.parse(done.body.expires_at) - before;
    expect(ahead).toBeGreaterThan(364 * 24 * 3600 * 1000);
    expect(ahead).toBeLessThan(366 * 24 * 3600 * 1000);

    expectError(await devicePoll(server, started.body.device_code, pkce.verifier), 410, 'expired');
    expect((await http(server.url, 'GET', '/v1/projects', { apiKey: done.body.api_key })).status).toBe(200);

    // The link is spent too, and its page says so with 410.
    for (const spent of [await http<string>(server.url, 'GET', path), await approve(server, tokenOf(path))]) {
      expect(spent.status).toBe(410);
      expect(spent.text).toContain('already been used');
    }
  });

  it('names the server and the request\'s expiry on the link\'s page', async () => {
    const pkce = newPkcePair();
    const before = Date.now();
    await deviceStart(server, 'where@example.com', pkce, 'desk');
    const page = await http<string>(server.url, 'GET', approvePath(await mailbox.next('where@example.com')));
    expect(page.text).toContain('<dt>Server</dt><dd>sync.example.test</dd>');
    const [, hhmm, minutes] = /<dt>Expires<\/dt><dd>at (\d{2}:\d{2}) UTC, in (\d+) minutes<\/dd>/.exec(page.text) ?? [];
    expect(Number(minutes)).toBe(15);
    // The time shown is 15 minutes after the start, to the minute.
    const expected = [before + FIFTEEN_MINUTES, Date.now() + FIFTEEN_MINUTES].map((t) => new Date(t).toISOString().slice(11, 16));
    expect(expected).toContain(hhmm);
    expect(page.text).toContain('<footer>td-sync server <strong>sync.example.test</strong></footer>');
  });

  it('"Not me, deny" ends the login: its poll answers 410 expired, the link approves nothing after, and no key is issued', async () => {
    const pkce = newPkcePair();
    const keysBefore = await storedCount(server, 'SELECT count(*) FROM api_keys');
    const started = await deviceStart(server, 'denier@example.com', pkce, 'unknown-laptop');
    const token = tokenOf(approvePath(await mailbox.next('denier@example.com')));
    expect((await devicePoll(server, started.body.device_code, pkce.verifier)).body).toEqual({ status: 'pending' });

    const denied = await deny(server, token);
    expect(denied.status).toBe(200);
    expect(denied.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(denied.text).toContain('Sign-in denied');
    expect(denied.text).toContain('<strong>unknown-laptop</strong> was not signed in');
    expect(denied.text).not.toContain('<form');

    expectError(await devicePoll(server, started.body.device_code, pkce.verifier), 410, 'expired');
    for (const after of [await http<string>(server.url, 'GET', `/auth/device/approve?token=${token}`), await approve(server, token), await deny(server, token)]) {
      expect(after.status).toBe(410);
      expect(after.text).toContain('has expired');
    }
    expectError(await devicePoll(server, started.body.device_code, pkce.verifier), 410, 'expired');
    expect(await storedCount(server, 'SELECT count(*) FROM users WHERE email = ?', 'denier@example.com')).toBe(0);
    expect(await storedCount(server, 'SELECT count(*) FROM api_keys')).toBe(keysBefore);
  });

  it('cannot deny a login that was already approved', async () => {
    const pkce = newPkcePair();
    const started = await deviceStart(server, 'approved-first@example.com', pkce);
    const token = tokenOf(approvePath(await mailbox.next('approved-first@example.com')));
    expect((await approve(server, token, 'approve')).text).toContain('Sign-in approved');
    const late = await deny(server, token);
    expect(late.status).toBe(410);
    expect(late.text).toContain('already been used');
    expect((await devicePoll(server, started.body.device_code, pkce.verifier)).body).toMatchObject({ status: 'complete' });
  });

  it('logs a login email held back by the one-a-minute rule, with the recipient and never the link', async () => {
    const logs = jest.spyOn(Logger.prototype, 'log');
    await deviceStart(server, 'held@example.com', newPkcePair());
    await mailbox.next('held@example.com');
    await deviceStart(server, 'held@example.com', newPkcePair());
    const held = logs.mock.calls.map((call) => String(call[0])).filter((text) => text.includes('held back'));
    expect(held).toEqual(['login email to held@example.com held back: one went to that address less than a minute ago']);
  });

  it('stores only hashes of the device code and the link secret', async () => {
    const pkce = newPkcePair();
    const started = await deviceStart(server, 'hashes@example.com', pkce);
    const token = tokenOf(approvePath(await mailbox.next('hashes@example.com')));
    const [selector, secret] = token.split('.');
    const row = await server.app.get(AuthRequestsRepository).findBySelector(selector);
    const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
    expect(row).toMatchObject({
      flow: 'email_link',
      device_code_hash: sha256(started.body.device_code),
      link_secret_hash: sha256(secret),
      code_challenge: pkce.challenge,
      email_sent: true,
    });
    expect(JSON.stringify(row)).not.toContain(started.body.device_code);
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it('creates the account on first approval, and concurrent approvals for one new email make one user', async () => {
    const email = 'newcomer@example.com';
    const logins = [newPkcePair(), newPkcePair()];
    const first = await deviceStart(server, email, logins[0]);
    const firstLink = tokenOf(approvePath(await mailbox.next(email)));
    travelForward(server, 61_000); // past the one-email-a-minute limit
    const second = await deviceStart(server, email, logins[1]);
    const secondLink = tokenOf(approvePath(await mailbox.next(email)));
    expect(await storedCount(server, 'SELECT count(*) FROM users WHERE email = ?', email)).toBe(0);

    const pages = await Promise.all([approve(server, firstLink), approve(server, secondLink)]);
    for (const page of pages) expect(page.text).toContain('Sign-in approved');
    const polls = await Promise.all([
      devicePoll(server, first.body.device_code, logins[0].verifier),
      devicePoll(server, second.body.device_code, logins[1].verifier),
    ]);
    expect(polls.map((p) => p.body.status)).toEqual(['complete', 'complete']);
    expect(polls[0].body.user_id).toBe(polls[1].body.user_id);
    expect(await storedCount(server, 'SELECT count(*) FROM users WHERE email = ?', email)).toBe(1);
  });

  it('approves once: a second POST of the form says the link was used', async () => {
    await deviceStart(server, 'twice@example.com', newPkcePair());
    const token = tokenOf(approvePath(await mailbox.next('twice@example.com')));
    const results = await Promise.all([approve(server, token), approve(server, token)]);
    expect(results.filter((r) => r.text.includes('Sign-in approved'))).toHaveLength(1);
    expect(results.filter((r) => r.text.includes('already been used'))).toHaveLength(1);
  });

  it('sends at most one email per address per minute, while every start still answers 200', async () => {
    const email = 'impatient@example.com';
    const starts = await Promise.all(Array.from({ length: 4 }, () => deviceStart(server, email, newPkcePair())));
    for (const s of starts) expect(s.body).toMatchObject({ email_sent: true });
    await outboxIdle();
    expect(mailbox.received.filter((m) => m.to.includes(email))).toHaveLength(1);

    travelForward(server, 61_000);
    await deviceStart(server, email, newPkcePair());
    await outboxIdle();
    expect(mailbox.received.filter((m) => m.to.includes(email))).toHaveLength(2);
  });

  it('answers pending for an unknown device code, whatever the verifier', async () => {
    expect((await devicePoll(server, 'a'.repeat(64), 'anything')).body).toEqual({ status: 'pending' });
  });

  it('answers 410 expired after 15 minutes, and the link page says it expired', async () => {
    const pkce = newPkcePair();
    const started = await deviceStart(server, 'slow@example.com', pkce);
    const path = approvePath(await mailbox.next('slow@example.com'));
    travelForward(server, FIFTEEN_MINUTES + 1000);
    expectError(await devicePoll(server, started.body.device_code, pkce.verifier), 410, 'expired');
    for (const page of [await http<string>(server.url, 'GET', path), await approve(server, tokenOf(path))]) {
      expect(page.status).toBe(410);
      expect(page.text).toContain('has expired');
    }
  });

  it('refuses a verified login polled after its 15 minutes with 410 expired', async () => {
    const pkce = newPkcePair();
    const started = await deviceStart(server, 'sleepy@example.com', pkce);
    await approve(server, tokenOf(approvePath(await mailbox.next('sleepy@example.com'))));
    travelForward(server, FIFTEEN_MINUTES + 1000);
    expectError(await devicePoll(server, started.body.device_code, pkce.verifier), 410, 'expired');
  });

  it.each([
    ['no token', '/auth/device/approve', 400],
    ['a malformed token', '/auth/device/approve?token=nonsense', 400],
    ['an unknown selector', `/auth/device/approve?token=${'0'.repeat(24)}.${'a'.repeat(32)}`, 404],
  ])('answers a link with %s (%s) with an HTML page saying it is not valid, status %d', async (_case, path, status) => {
    const page = await http<string>(server.url, 'GET', path);
    expect(page.status).toBe(status);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('not valid');
    expect(page.text).not.toContain('<form');
  });

  it('treats a known selector with a wrong secret as an invalid link, and approves nothing', async () => {
    const pkce = newPkcePair();
    const started = await deviceStart(server, 'guessed@example.com', pkce);
    const [selector] = tokenOf(approvePath(await mailbox.next('guessed@example.com'))).split('.');
    const forged = `${selector}.${'Z'.repeat(32)}`;
    for (const page of [await http<string>(server.url, 'GET', `/auth/device/approve?token=${forged}`), await approve(server, forged), await deny(server, forged)]) {
      expect(page.status).toBe(404);
      expect(page.text).toContain('not valid');
    }
    expect((await devicePoll(server, started.body.device_code, pkce.verifier)).body).toEqual({ status: 'pending' });
  });

  it('escapes the device name on the page and in the email', async () => {
    await deviceStart(server, 'xss@example.com', newPkcePair(), '<img src=x onerror=alert(1)>\u202e');
    const email = await mailbox.next('xss@example.com');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const page = await http<string>(server.url, 'GET', approvePath(email));
    expect(page.text).not.toContain('<img');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).not.toContain('\u202e');
  });

  it.each([
    ['an invalid email', { email: 'nope', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' }],
    ['a missing email', { code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' }],
    ['a missing code_challenge', { email: 'a@example.com', code_challenge_method: 'S256' }],
    ['an empty code_challenge', { email: 'a@example.com', code_challenge: '', code_challenge_method: 'S256' }],
    ['method plain', { email: 'a@example.com', code_challenge: 'c'.repeat(43), code_challenge_method: 'plain' }],
    ['method s256 in lower case', { email: 'a@example.com', code_challenge: 'c'.repeat(43), code_challenge_method: 's256' }],
    ['no method', { email: 'a@example.com', code_challenge: 'c'.repeat(43) }],
    ['a device_name that is not a string', { email: 'a@example.com', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256', device_name: 7 }],
  ])('answers a start with %s with 400 bad_request', async (_case, body) => {
    expectError(await http(server.url, 'POST', '/v1/auth/device/start', { body }), 400, 'bad_request');
  });

  it.each([
    ['a missing device_code', { code_verifier: 'v'.repeat(43) }],
    ['a missing code_verifier', { device_code: 'a'.repeat(64) }],
    ['an empty code_verifier', { device_code: 'a'.repeat(64), code_verifier: '' }],
    ['no body', undefined],
  ])('answers a poll with %s with 400 bad_request', async (_case, body) => {
    expectError(await http(server.url, 'POST', '/v1/auth/device/poll', { body }), 400, 'bad_request');
  });
});

describeEachBackend('email-approved login with signups off', (backend) => {
  let mailbox: Mailbox;
  let server: TestServer;

  beforeAll(async () => {
    mailbox = await startMailbox();
    server = await startTestServer(
      {
        ...NO_RATE_LIMITS,
        SYNC_BASE_URL: BASE_URL,
        SYNC_ALLOW_SIGNUP: 'false',
        SYNC_EMAIL_PROVIDER: 'smtp',
        SYNC_SMTP_URL: mailbox.url,
      },
      { backend },
    );
  });
  afterAll(async () => {
    await server.close();
    await mailbox.close();
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers an unknown email exactly like a known one, sends it nothing, and keeps its poll pending until it expires', async () => {
    await createCaller(server, 'member@example.com');
    const known = await deviceStart(server, 'member@example.com', newPkcePair(), 'box');
    const unknownPkce = newPkcePair();
    const unknown = await deviceStart(server, 'stranger@example.com', unknownPkce, 'box');
    expect(unknown.status).toBe(known.status);
    expect(Object.keys(unknown.body)).toEqual(Object.keys(known.body));
    expect({ ...unknown.body, device_code: 'x' }).toEqual({ ...known.body, device_code: 'x' });
    expect(unknown.body.device_code).toMatch(/^[0-9a-f]{64}$/);

    await mailbox.next('member@example.com');
    await server.app.get(EmailOutbox).idle();
    expect(mailbox.received.filter((m) => m.to.includes('stranger@example.com'))).toHaveLength(0);
    expect((await devicePoll(server, unknown.body.device_code, unknownPkce.verifier)).body).toEqual({ status: 'pending' });
    expect(await storedCount(server, 'SELECT count(*) FROM users WHERE email = ?', 'stranger@example.com')).toBe(0);

    travelForward(server, FIFTEEN_MINUTES + 1000);
    expectError(await devicePoll(server, unknown.body.device_code, unknownPkce.verifier), 410, 'expired');
  });

  it('lets an existing user log in', async () => {
    await createCaller(server, 'insider@example.com');
    const pkce = newPkcePair();
    const started = await deviceStart(server, 'insider@example.com', pkce);
    await approve(server, tokenOf(approvePath(await mailbox.next('insider@example.com'))));
    expect((await devicePoll(server, started.body.device_code, pkce.verifier)).body).toMatchObject({ status: 'complete', email: 'insider@example.com' });
  });
});

describeEachBackend('email delivery failures and the log provider', (backend) => {
  afterEach(() => jest.restoreAllMocks());

  it('answers 200 when the SMTP relay is down, logs the failure without the link, and leaves the address unthrottled', async () => {
    const mailbox = await startMailbox();
    const deadUrl = mailbox.url;
    await mailbox.close(); // nothing listens on that port any more
    const server = await startTestServer({ ...NO_RATE_LIMITS, SYNC_EMAIL_PROVIDER: 'smtp', SYNC_SMTP_URL: deadUrl }, { backend });
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const started = await deviceStart(server, 'offline@example.com', newPkcePair());
      expect(started.status).toBe(200);
      await server.app.get(EmailOutbox).idle();
      const logged = errors.mock.calls.map((call) => String(call[0])).join('\n');
      expect(logged).toContain('offline@example.com');
      expect(logged).not.toContain('token=');
      // Read from the database: 0 or 1, as SQLite keeps the flag.
      const row = await storedRow<{ email_sent: number }>(server, 'SELECT email_sent FROM auth_requests WHERE email = ?', 'offline@example.com');
      expect(row.email_sent).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('with SYNC_EMAIL_PROVIDER=log writes the message, link included, to the server log', async () => {
    const logs = jest.spyOn(Logger.prototype, 'log');
    const server = await startTestServer({ ...NO_RATE_LIMITS, SYNC_BASE_URL: BASE_URL }, { backend });
    try {
      const pkce = newPkcePair();
      const started = await deviceStart(server, 'solo@example.com', pkce, 'desk');
      await server.app.get(EmailOutbox).idle();
      const line = logs.mock.calls.map((call) => String(call[0])).find((text) => text.includes('solo@example.com') && APPROVE_LINK.test(text));
      expect(line).toBeDefined();
      const token = APPROVE_LINK.exec(line!)![1];
      expect((await approve(server, token)).text).toContain('Sign-in approved');
      expect((await devicePoll(server, started.body.device_code, pkce.verifier)).body).toMatchObject({ status: 'complete' });
    } finally {
      await server.close();
    }
  });

  it('refuses to start with the smtp provider and no SMTP URL, naming the setting', async () => {
    await expect(startTestServer({ SYNC_EMAIL_PROVIDER: 'smtp' }, { backend })).rejects.toThrow(/SYNC_SMTP_URL/);
  });
});

/** PostgreSQL mode: the one-email-per-address-per-minute rule is decided by the database, whichever nodes the starts reach. */
describe('the one-email-a-minute rule across nodes (postgres)', () => {
  let mailbox: Mailbox;
  let nodes: TestServer[];

  beforeAll(async () => {
    mailbox = await startMailbox();
    const env = { ...NO_RATE_LIMITS, SYNC_BASE_URL: BASE_URL, SYNC_EMAIL_PROVIDER: 'smtp', SYNC_SMTP_URL: mailbox.url };
    const first = await startTestServer(env, { backend: 'postgres' });
    nodes = [first, await startTestServer(env, { backend: 'postgres', database: first.database })];
  });
  afterAll(async () => {
    for (const node of nodes.reverse()) await node.close();
    await mailbox.close();
  });

  it('sends one email for simultaneous starts of one address through two nodes', async () => {
    const email = 'spread@example.com';
    const starts = await Promise.all(Array.from({ length: 8 }, (_, i) => deviceStart(nodes[i % 2], email, newPkcePair())));
    for (const start of starts) expect(start.status).toBe(200);
    await Promise.all(nodes.map((node) => node.app.get(EmailOutbox).idle()));
    expect(mailbox.received.filter((m) => m.to.includes(email))).toHaveLength(1);
    expect(await storedCount(nodes[1], 'SELECT count(*) FROM auth_requests WHERE email = ? AND email_sent', email)).toBe(1);
  });
});
