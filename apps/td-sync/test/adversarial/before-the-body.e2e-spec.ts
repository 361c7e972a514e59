import { ApiKeyService } from '@td-sync/auth';
import { storedEvents } from '../support/database-files';
import { http, HttpResult } from '../support/http';
import { RawConnection, requestHead } from '../support/raw-connection';
import type { RawResponse } from '../support/raw-http';
import { Caller, createCaller, describeEachBackend, startTestServer, TestServer } from '../support/test-server';
import { travelForward } from '../support/time-travel';
import { createProject, makeEvents } from '../support/sync';
import { capturedLogs, ERROR } from '../support/log-capture';

/**
 * Issue 18 and PROTOCOL.md, "Before the body": a request to an authenticated
 * route with a missing, malformed, unknown, revoked or expired key is answered
 * 401 before its body is read, an over-limit one 429, a compressed one 415, one
 * that would overrun the bytes in flight 503; and a client still sending its
 * body reads that answer, never a reset connection.
 *
 * Each request here declares a body of several MiB and sends only its first
 * chunk before waiting for the answer: an answer that arrives proves the body
 * was not waited for. Then the client sends the rest slowly and asks again on
 * the same connection, which shows the unread body was discarded as it
 * arrived and the connection survived.
 */

const MiB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x20);

/** Sends `head` and the first chunk of a `length`-byte body; returns the answer, read before the rest is sent. */
async function answerBeforeBody(connection: RawConnection, head: string): Promise<RawResponse> {
  await connection.write(head);
  await connection.write(CHUNK);
  return connection.nextResponse();
}

/** Sends the rest of a `length`-byte body in chunks, each handed to the kernel before the next. */
async function sendRest(connection: RawConnection, length: number): Promise<void> {
  for (let sent = CHUNK.length; sent < length; sent += CHUNK.length) {
    await connection.write(CHUNK.subarray(0, Math.min(CHUNK.length, length - sent)));
  }
}

/** After a refused request's body: the connection still serves, with no error on the client's side. */
async function expectConnectionSurvives(connection: RawConnection): Promise<void> {
  await connection.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  expect((await connection.nextResponse()).status).toBe(200);
  expect(connection.error).toBeUndefined();
  connection.destroy();
}

/** A 503 for want of body budget is no fault: only its request line is logged (at error level, as every 5xx). Claims it. */
function expectBusyLogged(response: HttpResult): void {
  expect(capturedLogs.takeRequest(response)).toEqual([expect.objectContaining({ level: ERROR, msg: 'request completed', status: 503 })]);
}

function expectRefusal(response: RawResponse, status: number, code: string): void {
  expect({ status: response.status, code: (JSON.parse(response.body) as { code: string }).code }).toEqual({ status, code });
}

describe('answers before the body (PROTOCOL.md, Before the body)', () => {
  let server: TestServer;
  let owner: Caller;
  let projectId: string;
  const pushPath = () => `/v1/projects/${projectId}/sync/push`;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_OTHER: '0' });
    owner = await createCaller(server, 'owner@example.com');
    projectId = await createProject(server, owner, 'guarded');
  });
  afterAll(() => server.close());
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['no Authorization header', () => ({})],
    ['another scheme', () => ({ Authorization: 'Basic dXNlcjpwYXNz' })],
    ['a malformed key', () => ({ Authorization: 'Bearer not-a-key' })],
    ['an unknown key', () => ({ Authorization: `Bearer td_live_${'A'.repeat(32)}` })],
  ])('answers 401 to a push with %s while its 4 MiB body is still on the way, and keeps the connection', async (_case, headers) => {
    const connection = await RawConnection.open(server.url);
    const answer = await answerBeforeBody(connection, requestHead('POST', pushPath(), 4 * MiB, headers()));
    expectRefusal(answer, 401, 'unauthorized');
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="td-sync"');
    await sendRest(connection, 4 * MiB);
    await expectConnectionSurvives(connection);
    expect(storedEvents(server.dataDir, projectId)).toEqual([]);
  });

  it('answers 401 before the body to a revoked key and to an expired one', async () => {
    const revoked = await createCaller(server, 'revoked@example.com');
    const keys = server.app.get(ApiKeyService);
    const issued = await keys.issue(revoked.userId);
    await keys.revoke(issued.record.id);

    const connection = await RawConnection.open(server.url);
    const answer = await answerBeforeBody(connection, requestHead('POST', '/v1/projects', 2 * MiB, { Authorization: `Bearer ${issued.key}` }));
    expectRefusal(answer, 401, 'unauthorized');
    await sendRest(connection, 2 * MiB);
    await expectConnectionSurvives(connection);

    travelForward(server, 366 * 24 * 60 * 60 * 1000);
    const later = await RawConnection.open(server.url);
    const expired = await answerBeforeBody(later, requestHead('POST', pushPath(), 2 * MiB, { Authorization: `Bearer ${owner.apiKey}` }));
    expectRefusal(expired, 401, 'unauthorized');
    expect(JSON.parse(expired.body).message).toMatch(/expired/);
    await sendRest(later, 2 * MiB);
    await expectConnectionSurvives(later);
  });

  it('answers a route there is not with 404 without reading its body', async () => {
    const connection = await RawConnection.open(server.url);
    const answer = await answerBeforeBody(connection, requestHead('POST', '/v1/nothing/here', 4 * MiB, { Authorization: `Bearer ${owner.apiKey}` }));
    expectRefusal(answer, 404, 'not_found');
    await sendRest(connection, 4 * MiB);
    await expectConnectionSurvives(connection);
  });

  it('answers 415 unsupported_media_type to a compressed body before reading it, and stores nothing', async () => {
    for (const encoding of ['gzip', 'deflate', 'br', 'gzip, identity']) {
      const connection = await RawConnection.open(server.url);
      const answer = await answerBeforeBody(
        connection,
        requestHead('POST', pushPath(), 2 * MiB, { Authorization: `Bearer ${owner.apiKey}`, 'Content-Encoding': encoding }),
      );
      expectRefusal(answer, 415, 'unsupported_media_type');
      await sendRest(connection, 2 * MiB);
      await expectConnectionSurvives(connection);
    }
    expect(storedEvents(server.dataDir, projectId)).toEqual([]);

    // identity is no encoding at all.
    const plain = await http(server.url, 'POST', pushPath(), {
      apiKey: owner.apiKey,
      headers: { 'content-encoding': 'identity' },
      body: { device_id: 'd', session_id: 's', events: makeEvents(1, 1) },
    });
    expect(plain.status).toBe(200);
  });

  it('answers 415 on the HTML pages as a page', async () => {
    const page = await http(server.url, 'POST', '/auth/verify', {
      body: 'user_code=ABC234',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
    });
    expect(page.status).toBe(415);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });
});

describe('rate limits before the body', () => {
  let server: TestServer;
  let owner: Caller;
  let projectId: string;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_RATE_LIMIT_PUSH: '3', SYNC_RATE_LIMIT_OTHER: '50' });
    owner = await createCaller(server, 'limited@example.com');
    projectId = await createProject(server, owner, 'limited');
  });
  afterAll(() => server.close());

  it('counts requests without a valid key per client address, and answers 429 before the body once over', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const connection = await RawConnection.open(server.url);
      statuses.push((await answerBeforeBody(connection, requestHead('POST', `/v1/projects/${projectId}/sync/push`, 2 * MiB))).status);
      connection.destroy();
    }
    expect(statuses).toEqual([401, 401, 401]);

    const connection = await RawConnection.open(server.url);
    const limited = await answerBeforeBody(connection, requestHead('POST', `/v1/projects/${projectId}/sync/push`, 2 * MiB, { Authorization: 'Bearer wrong' }));
    expectRefusal(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await sendRest(connection, 2 * MiB);
    await expectConnectionSurvives(connection);

    // The caller with a key, on the same address, has a budget of its own.
    const own = await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, {
      apiKey: owner.apiKey,
      body: { device_id: 'd', session_id: 's', events: makeEvents(1, 1) },
    });
    expect(own.status).toBe(200);
  });

  it('answers a key over its limit 429 before the body', async () => {
    const caller = await createCaller(server, 'busy@example.com');
    const other = await createProject(server, caller, 'busy');
    for (let i = 1; i <= 3; i++) {
      const pushed = await http(server.url, 'POST', `/v1/projects/${other}/sync/push`, { apiKey: caller.apiKey, body: { device_id: 'd', session_id: 's', events: makeEvents(i, 1) } });
      expect(pushed.status).toBe(200);
    }
    const connection = await RawConnection.open(server.url);
    const limited = await answerBeforeBody(connection, requestHead('POST', `/v1/projects/${other}/sync/push`, 4 * MiB, { Authorization: `Bearer ${caller.apiKey}` }));
    expectRefusal(limited, 429, 'rate_limited');
    await sendRest(connection, 4 * MiB);
    await expectConnectionSurvives(connection);
    expect(storedEvents(server.dataDir, other)).toHaveLength(3);
  });
});

describeEachBackend('IPv6 clients behind a trusted proxy', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_TRUSTED_PROXIES: '127.0.0.1/32,::1', SYNC_RATE_LIMIT_AUTH: '3' }, { backend });
  });
  afterAll(() => server.close());

  const startFrom = (ip: string) => http(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'v6@example.com' }, headers: { 'x-forwarded-for': ip } });

  it('share one budget per /64, however many of its addresses they use', async () => {
    const addresses = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:abcd:ef01:2345:6789'];
    for (const address of addresses) expect((await startFrom(address)).status).toBe(200);
    expect((await startFrom('2001:db8:1:2:ffff::ffff')).status).toBe(429);
    // The next /64 is another client; an IPv4 client is keyed by its address.
    expect((await startFrom('2001:db8:1:3::1')).status).toBe(200);
    expect((await startFrom('192.0.2.7')).status).toBe(200);
  });
});

describe('the bytes of request bodies in flight', () => {
  let server: TestServer;
  let owner: Caller;
  let projectId: string;

  beforeAll(async () => {
    // The smallest budget there is: one full body.
    server = await startTestServer({ SYNC_MAX_INFLIGHT_BODY_BYTES: '10MiB', SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_AUTH: '0' });
    owner = await createCaller(server, 'inflight@example.com');
    projectId = await createProject(server, owner, 'inflight');
  });
  const open: RawConnection[] = [];
  afterEach(() => {
    for (const connection of open.splice(0)) connection.destroy();
  });
  afterAll(() => server.close());

  /**
   * Resolves once the server holds the bytes of a body that is still
   * arriving on another connection: a request with a body is then turned
   * away. The probe's body is invalid, so an admitted probe stores nothing.
   */
  async function untilBodiesAreRefused(): Promise<void> {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const probe = await http(server.url, 'POST', '/v1/projects', { apiKey: owner.apiKey, body: {} });
      if (probe.status === 503) return expectBusyLogged(probe);
      expect(probe.status).toBe(400);
    }
    throw new Error('the server never held the bytes of the slow body');
  }

  it('answers 503 unavailable with Retry-After while a 10 MiB body is arriving, and admits bodies again once it is done', async () => {
    // A push whose 10 MiB body (one event, padded with whitespace) arrives slowly.
    const text = JSON.stringify({ device_id: 'big', session_id: 's', events: makeEvents(1, 1) });
    const big = Buffer.from(text.padEnd(10 * MiB, ' '));
    const slow = await RawConnection.open(server.url);
    open.push(slow);
    await slow.write(requestHead('POST', `/v1/projects/${projectId}/sync/push`, big.length, { Authorization: `Bearer ${owner.apiKey}` }));
    await slow.write(big.subarray(0, MiB));
    await untilBodiesAreRefused();

    const small = { device_id: 'small', session_id: 's', events: makeEvents(1, 1) };
    const busy = await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey: owner.apiKey, body: small });
    expect(busy.status).toBe(503);
    expect(busy.body).toMatchObject({ code: 'unavailable', error: { code: 'unavailable' } });
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expectBusyLogged(busy);
    // The HTML pages say so in a page.
    const page = await http(server.url, 'POST', '/auth/verify', { body: 'user_code=ABC234', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expectBusyLogged(page);
    // Requests without a body need no budget.
    expect((await http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: owner.apiKey })).status).toBe(200);

    await slow.write(big.subarray(MiB));
    const answer = await slow.nextResponse();
    expect(answer.status).toBe(200);
    slow.destroy();

    // Its bytes are given back once its response is done.
    let again = await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey: owner.apiKey, body: small });
    for (let attempt = 0; again.status === 503 && attempt < 100; attempt++) {
      expectBusyLogged(again);
      await new Promise((settle) => setImmediate(settle));
      again = await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey: owner.apiKey, body: small });
    }
    expect(again.status).toBe(200);
    expect(storedEvents(server.dataDir, projectId).map((e) => e.device_id).sort()).toEqual(['big', 'small']);
  });

  it('gives the bytes of a body back when its client goes away mid-body', async () => {
    const gone = await RawConnection.open(server.url);
    open.push(gone);
    await gone.write(requestHead('POST', `/v1/projects/${projectId}/sync/push`, 10 * MiB, { Authorization: `Bearer ${owner.apiKey}` }));
    await gone.write(CHUNK);
    await untilBodiesAreRefused();
    gone.destroy();
    await gone.closed;

    let created = await http(server.url, 'POST', '/v1/projects', { apiKey: owner.apiKey, body: { name: 'after' } });
    for (let attempt = 0; created.status === 503 && attempt < 100; attempt++) {
      expectBusyLogged(created);
      await new Promise((settle) => setImmediate(settle));
      created = await http(server.url, 'POST', '/v1/projects', { apiKey: owner.apiKey, body: { name: 'after' } });
    }
    expect(created.status).toBe(201);
  });
});
