import { Logger } from '@nestjs/common';
import { EmailOutbox } from '@td-sync/auth';
import { AuthRequestsRepository } from '@td-sync/storage';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { serverCount } from './support/database-files';
import { expectError, http, HttpResult } from './support/http';
import { newPkcePair, submitUserCode } from './support/login';
import { Mailbox, ReceivedEmail, startMailbox } from './support/mailbox';
import { spawnServer, SpawnedServer, SpawnOptions } from './support/spawned-server';
import { startTestServer, TestServer } from './support/test-server';
import { travelForward } from './support/time-travel';

/**
 * SYNC_CODE_LOGIN (PROTOCOL.md, round 2: "Typed-code logins prove the
 * address"). The typed-code flow itself (codes, the form, polling) is in
 * auth-user-code.e2e-spec.ts; the link's page in auth-email-link.e2e-spec.ts.
 * This file holds what each mode changes.
 */

const NO_RATE_LIMITS = { SYNC_RATE_LIMIT_AUTH: '0', SYNC_RATE_LIMIT_AUTH_POLL: '0' };
const BASE_URL = 'https://sync.example.test';
const FIFTEEN_MINUTES = 15 * 60 * 1000;
const APPROVE_LINK = /https:\/\/sync\.example\.test\/auth\/device\/approve\?token=([0-9a-f]{24}\.[0-9A-Za-z]{32})/;
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

interface Started {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval: number;
}

async function start(server: TestServer, email: string): Promise<Started> {
  const started = await http<Started>(server.url, 'POST', '/v1/auth/login/start', { body: { email } });
  expect(started.status).toBe(200);
  return started.body;
}

function poll(server: TestServer, deviceCode: string) {
  return http(server.url, 'POST', '/v1/auth/login/poll', { body: { device_code: deviceCode } });
}

/** What the approve page's button sends. */
function approve(server: TestServer, token: string): Promise<HttpResult<string>> {
  return http<string>(server.url, 'POST', '/auth/device/approve', {
    body: new URLSearchParams({ token }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

function tokenIn(text: string): string {
  const match = APPROVE_LINK.exec(text);
  if (!match) throw new Error(`no approval link in: ${text}`);
  return match[1];
}

const tokenOf = (email: ReceivedEmail) => tokenIn(email.text);
const linkPage = (server: TestServer, token: string) => http<string>(server.url, 'GET', `/auth/device/approve?token=${token}`);
const emailsTo = (mailbox: Mailbox, address: string) => mailbox.received.filter((m) => m.to.includes(address));

describe('SYNC_CODE_LOGIN=confirm (the default): the code leads to an emailed link, over real SMTP', () => {
  let mailbox: Mailbox;
  let server: TestServer;

  beforeAll(async () => {
    mailbox = await startMailbox();
    server = await startTestServer({ ...NO_RATE_LIMITS, SYNC_BASE_URL: BASE_URL, SYNC_EMAIL_PROVIDER: 'smtp', SYNC_SMTP_URL: mailbox.url });
  });
  afterAll(async () => {
    await server.close();
    await mailbox.close();
  });
  afterEach(() => jest.restoreAllMocks());

  const outboxIdle = () => server.app.get(EmailOutbox).idle();
  const usersWith = async (email: string) => serverCount(server.dataDir, 'SELECT count(*) FROM users WHERE email = ?', email);

  it('leaves the poll pending after the code alone; a GET of the link approves nothing; its POST completes the login once', async () => {
    const started = await start(server, ' Ada@Example.com ');
    // What an old td decodes is unchanged.
    expect(started).toEqual({
      device_code: expect.stringMatching(/^[0-9a-f]{40}$/),
      user_code: expect.stringMatching(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/),
      verification_uri: `${BASE_URL}/auth/verify`,
      expires_in: 900,
      interval: 5,
    });

    const page = await submitUserCode(server, started.user_code);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('We sent a confirmation to <strong>a•••@example.com</strong>');
    expect(page.text).not.toContain('ada@example.com');
    expect(page.text).not.toContain('Device connected');
    expect((await poll(server, started.device_code)).body).toEqual({ status: 'pending' });
    // The address is not proven yet, so no account exists for it.
    expect(await usersWith('ada@example.com')).toBe(0);

    const email = await mailbox.next('ada@example.com');
    expect(email.subject).toBe('Approve your td sign-in');
    expect(email.text).toContain(`typed the code ${started.user_code} to sign in to td as ada@example.com`);
    const token = tokenOf(email);

    // A mail scanner following the link (twice, for good measure) only gets the page.
    for (let i = 0; i < 2; i++) {
      const shown = await linkPage(server, token);
      expect(shown.status).toBe(200);
      expect(shown.text).toContain('ada@example.com');
      expect(shown.text).toContain('unnamed device');
      expect(shown.text).toContain(`<dt>Code</dt><dd><code>${started.user_code}</code></dd>`);
      expect(shown.text).toContain(`<input type="hidden" name="token" value="${token}">`);
    }
    expect((await poll(server, started.device_code)).body).toEqual({ status: 'pending' });
    expect(await usersWith('ada@example.com')).toBe(0);

    const approved = await approve(server, token);
    expect(approved.text).toContain('Sign-in approved');
    const done = await poll(server, started.device_code);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({
      status: 'complete',
      api_key: expect.stringMatching(/^td_live_[0-9A-Za-z]{32}$/),
      user_id: expect.stringMatching(/^u_[0-9a-f]{16}$/),
      email: 'ada@example.com',
      expires_at: expect.any(String),
    });
    expectError(await poll(server, started.device_code), 410, 'already_used');
    expect((await http(server.url, 'GET', '/v1/projects', { apiKey: done.body.api_key })).status).toBe(200);
    expect((await linkPage(server, token)).text).toContain('already been used');
  });

  it('keeps an attacker who only knows the address out: the owner ignores the email, the login expires without a key', async () => {
    const attacker = await start(server, 'victim@example.com');
    expect((await submitUserCode(server, attacker.user_code)).text).toContain('Check your email');
    const token = tokenOf(await mailbox.next('victim@example.com'));
    // Typing the code again changes nothing for the attacker.
    await submitUserCode(server, attacker.user_code);
    expect((await poll(server, attacker.device_code)).body).toEqual({ status: 'pending' });

    travelForward(server, FIFTEEN_MINUTES + 1000);
    expectError(await poll(server, attacker.device_code), 410, 'expired');
    // The link lives exactly as long as the code.
    expect((await linkPage(server, token)).text).toContain('has expired');
    expect((await approve(server, token)).text).toContain('has expired');
    expect(await usersWith('victim@example.com')).toBe(0);
  });

  it('tells when the code and its link expire, and "Not me, deny" on the link ends the typed-code login as expired', async () => {
    const login = await start(server, 'denies@example.com');
    const page = await submitUserCode(server, login.user_code);
    expect(page.text).toMatch(/The code and its link expire at \d{2}:\d{2} UTC, in 15 minutes\./);
    expect(page.text).toContain('<footer>td-sync server <strong>sync.example.test</strong></footer>');
    const token = tokenOf(await mailbox.next('denies@example.com'));

    const denied = await http<string>(server.url, 'POST', '/auth/device/approve', {
      body: new URLSearchParams({ token, decision: 'deny' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(denied.status).toBe(200);
    expect(denied.text).toContain('Sign-in denied');
    expectError(await poll(server, login.device_code), 410, 'expired');
    const after = await approve(server, token);
    expect(after.status).toBe(410);
    expect(after.text).toContain('has expired');
    // The code is dead too: typing it again finds nothing.
    expect((await submitUserCode(server, login.user_code)).status).toBe(404);
    expect(await usersWith('denies@example.com')).toBe(0);
  });

  it('logs a confirmation email held back by the one-a-minute rule, with the recipient and never the link', async () => {
    const logs = jest.spyOn(Logger.prototype, 'log');
    const login = await start(server, 'held-code@example.com');
    await submitUserCode(server, login.user_code);
    await mailbox.next('held-code@example.com');
    expect((await submitUserCode(server, login.user_code)).text).toContain('less than a minute ago');
    const held = logs.mock.calls.map((call) => String(call[0])).filter((text) => text.includes('held back'));
    expect(held).toEqual(['confirmation email to held-code@example.com held back: one went to that address less than a minute ago']);
  });

  it('lets the link of one login approve only that login', async () => {
    const address = 'shared@example.com';
    const attacker = await start(server, address);
    await submitUserCode(server, attacker.user_code);
    const attackerToken = tokenOf(await mailbox.next(address));

    travelForward(server, 61_000); // past the one-email-a-minute rule
    const owner = await start(server, address);
    await submitUserCode(server, owner.user_code);
    const ownerEmail = await mailbox.next(address);
    expect(ownerEmail.text).toContain(owner.user_code);
    const ownerToken = tokenOf(ownerEmail);
    expect(ownerToken).not.toBe(attackerToken);

    // A token spliced from both links is no link at all.
    const [ownerSelector] = ownerToken.split('.');
    const [, attackerSecret] = attackerToken.split('.');
    expect((await approve(server, `${ownerSelector}.${attackerSecret}`)).text).toContain('not valid');

    expect((await approve(server, ownerToken)).text).toContain('Sign-in approved');
    expect((await poll(server, owner.device_code)).body).toMatchObject({ status: 'complete', email: address });
    expect((await poll(server, attacker.device_code)).body).toEqual({ status: 'pending' });
  });

  it('sends one email per address per minute, counting both flows; a later try sends a new link that replaces the old', async () => {
    const address = 'busy@example.com';
    // An email-approved login's email first...
    await http(server.url, 'POST', '/v1/auth/device/start', { body: { email: address, code_challenge: newPkcePair().challenge, code_challenge_method: 'S256' } });
    await mailbox.next(address);
    // ...holds back the confirmation of a code typed within the minute.
    const login = await start(server, address);
    const held = await submitUserCode(server, login.user_code);
    expect(held.text).toContain('less than a minute ago');
    expect(held.text).toContain('b•••@example.com');

    travelForward(server, 61_000);
    expect((await submitUserCode(server, login.user_code)).text).toContain('We sent a confirmation to');
    const first = tokenOf(await mailbox.next(address));
    // Within the next minute neither flow sends anything more to the address.
    expect((await submitUserCode(server, login.user_code)).text).toContain('less than a minute ago');
    await http(server.url, 'POST', '/v1/auth/device/start', { body: { email: address, code_challenge: newPkcePair().challenge, code_challenge_method: 'S256' } });
    await outboxIdle();
    expect(emailsTo(mailbox, address)).toHaveLength(2);

    travelForward(server, 122_000);
    expect((await submitUserCode(server, login.user_code)).text).toContain('We sent a confirmation to');
    const second = tokenOf(await mailbox.next(address));
    expect(second).not.toBe(first);
    expect((await linkPage(server, first)).text).toContain('not valid');
    expect((await approve(server, second)).text).toContain('Sign-in approved');
    expect((await poll(server, login.device_code)).body).toMatchObject({ status: 'complete' });
  });

  it('sends one email when the same code is submitted twice at once', async () => {
    const login = await start(server, 'double@example.com');
    const pages = await Promise.all([submitUserCode(server, login.user_code), submitUserCode(server, login.user_code)]);
    expect(pages.filter((p) => p.text.includes('We sent a confirmation to'))).toHaveLength(1);
    expect(pages.filter((p) => p.text.includes('less than a minute ago'))).toHaveLength(1);
    await outboxIdle();
    expect(emailsTo(mailbox, 'double@example.com')).toHaveLength(1);
  });

  it('stores only the hash of the link secret, on the typed-code request itself', async () => {
    const login = await start(server, 'hashes@example.com');
    await submitUserCode(server, login.user_code);
    const [selector, secret] = tokenOf(await mailbox.next('hashes@example.com')).split('.');
    const row = await server.app.get(AuthRequestsRepository).findBySelector(selector);
    const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
    expect(row).toMatchObject({
      flow: 'user_code',
      user_code: login.user_code,
      device_code_hash: sha256(login.device_code),
      link_secret_hash: sha256(secret),
      email_sent: true,
      status: 'pending',
    });
    expect(JSON.stringify(row)).not.toContain(secret);
  });
});

describe('SYNC_CODE_LOGIN=confirm with the log provider and with a relay that is down', () => {
  afterEach(() => jest.restoreAllMocks());

  it('writes the confirmation link to the server log, so a server for one person works end to end', async () => {
    const logs = jest.spyOn(Logger.prototype, 'log');
    const server = await startTestServer({ ...NO_RATE_LIMITS, SYNC_BASE_URL: BASE_URL });
    try {
      const login = await start(server, 'solo@example.com');
      expect((await submitUserCode(server, login.user_code)).text).toContain('s•••@example.com');
      await server.app.get(EmailOutbox).idle();
      const line = logs.mock.calls.map((call) => String(call[0])).find((text) => text.includes('solo@example.com') && APPROVE_LINK.test(text));
      expect(line).toBeDefined();
      expect((await approve(server, tokenIn(line!))).text).toContain('Sign-in approved');
      expect((await poll(server, login.device_code)).body).toMatchObject({ status: 'complete', email: 'solo@example.com' });
    } finally {
      await server.close();
    }
  });

  it('lets the code be typed again at once after a failed delivery', async () => {
    const mailbox = await startMailbox();
    const deadUrl = mailbox.url;
    await mailbox.close(); // nothing listens there any more
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const server = await startTestServer({ ...NO_RATE_LIMITS, SYNC_BASE_URL: BASE_URL, SYNC_EMAIL_PROVIDER: 'smtp', SYNC_SMTP_URL: deadUrl });
    try {
      const login = await start(server, 'offline@example.com');
      expect((await submitUserCode(server, login.user_code)).text).toContain('We sent a confirmation to');
      await server.app.get(EmailOutbox).idle();
      const logged = errors.mock.calls.map((call) => String(call[0])).join('\n');
      expect(logged).toContain('offline@example.com');
      expect(logged).not.toContain('token=');
      expect((await submitUserCode(server, login.user_code)).text).toContain('We sent a confirmation to');
      await server.app.get(EmailOutbox).idle();
      expect((await poll(server, login.device_code)).body).toEqual({ status: 'pending' });
    } finally {
      await server.close();
    }
  });
});

describe('SYNC_CODE_LOGIN=direct', () => {
  let mailbox: Mailbox;
  let server: TestServer;

  beforeAll(async () => {
    mailbox = await startMailbox();
    server = await startTestServer({ ...NO_RATE_LIMITS, SYNC_CODE_LOGIN: 'direct', SYNC_EMAIL_PROVIDER: 'smtp', SYNC_SMTP_URL: mailbox.url });
  });
  afterAll(async () => {
    await server.close();
    await mailbox.close();
  });

  it('completes the login with the code alone, as before, and sends no email', async () => {
    const login = await start(server, 'trusted@example.com');
    const page = await submitUserCode(server, login.user_code);
    expect(page.text).toContain('Device connected');
    expect(page.text).toContain('trusted@example.com');
    expect((await poll(server, login.device_code)).body).toMatchObject({ status: 'complete', email: 'trusted@example.com' });
    await server.app.get(EmailOutbox).idle();
    expect(emailsTo(mailbox, 'trusted@example.com')).toHaveLength(0);
  });
});

describe('SYNC_CODE_LOGIN=off', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...NO_RATE_LIMITS, SYNC_CODE_LOGIN: 'off' });
  });
  afterAll(() => server.close());

  it.each([
    ['a login start', '/v1/auth/login/start', { email: 'a@example.com' }],
    ['a login start with an invalid body', '/v1/auth/login/start', { email: 'not an address' }],
    ['a poll', '/v1/auth/login/poll', { device_code: 'a'.repeat(40) }],
    ['a poll without a body', '/v1/auth/login/poll', undefined],
  ])('answers %s with 410 endpoint_disabled, telling the user to upgrade td', async (_case, path, body) => {
    const answer = await http<{ message: string }>(server.url, 'POST', path, { body });
    expectError(answer, 410, 'endpoint_disabled');
    expect(answer.body.message).toMatch(/^this endpoint has been disabled: .*upgrade td/);
  });

  it.each([
    ['GET', undefined],
    ['POST', 'user_code=ABC234'],
  ])('answers %s /auth/verify with a 410 page that says to upgrade td', async (method, form) => {
    for (const headers of [BROWSER, {}]) {
      const page = await http<string>(server.url, method, '/auth/verify', {
        body: form,
        headers: form ? { ...headers, 'content-type': 'application/x-www-form-urlencoded' } : headers,
      });
      expect(page.status).toBe(410);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.text).toContain('no longer accepts codes');
      expect(page.text).toContain('Upgrade td');
      expect(page.text).not.toContain('<form');
    }
  });

  it('keeps the email-approved login', async () => {
    const started = await http(server.url, 'POST', '/v1/auth/device/start', { body: { email: 'a@example.com', code_challenge: newPkcePair().challenge, code_challenge_method: 'S256' } });
    expect(started.status).toBe(200);
  });
});

describe('SYNC_CODE_LOGIN at start (built server)', () => {
  const started: SpawnedServer[] = [];
  const spawnTracked = async (options: SpawnOptions) => {
    const server = await spawnServer(options);
    started.push(server);
    return server;
  };
  afterEach(async () => {
    for (const server of started.splice(0)) {
      if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGTERM');
      await server.exited;
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });

  const DIRECT_WARNING = /typed-code login mode is \\"direct\\"/;

  it('warns in the log when direct is on', async () => {
    const server = await spawnTracked({ env: { SYNC_CODE_LOGIN: 'direct' } });
    const line = await server.waitForLine(DIRECT_WARNING);
    expect(JSON.parse(line)).toMatchObject({ level: 40 });
    expect(line).toContain('without proving the email address');
  });

  it('does not warn in the default mode', async () => {
    const server = await spawnTracked({});
    // The warning would come before "listening on", which spawnServer waited for.
    expect(server.stdout.some((line) => line.includes('typed-code login mode'))).toBe(false);
  });

  it('refuses an invalid value with one line naming the variable and exit code 2', async () => {
    const server = await spawnTracked({ env: { SYNC_CODE_LOGIN: 'maybe' }, waitUntilListening: false });
    expect(await server.exited).toBe(2);
    expect(server.stderr).toEqual([expect.stringContaining('SYNC_CODE_LOGIN')]);
    expect(server.stderr[0]).toContain('"maybe"');
    expect(server.stderr[0]).toContain('confirm, direct, off');
  });
});
