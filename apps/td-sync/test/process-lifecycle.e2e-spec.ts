import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { http } from './support/http';
import { loginViaUserCode } from './support/login';
import { spawnServer, SpawnedServer } from './support/spawned-server';

/** The built server as a child process: start-up errors, logs and signals. */
describe('td-sync process', () => {
  const started: SpawnedServer[] = [];
  const spawnTracked = async (...args: Parameters<typeof spawnServer>) => {
    const server = await spawnServer(...args);
    started.push(server);
    return server;
  };
  afterEach(async () => {
    for (const server of started.splice(0)) {
      if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
      await server.exited;
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });

  it.each([
    ['SYNC_SHUTDOWN_TIMEOUT', 'forever'],
    ['SYNC_LISTEN_ADDR', 'localhost'],
    ['SYNC_LOG_LEVEL', 'chatty'],
  ])('refuses to start with %s=%s: one line, non-zero exit, no stack trace', async (name, value) => {
    const server = await spawnTracked({ env: { [name]: value }, waitUntilListening: false });
    const code = await server.exited;
    expect(code).not.toBe(0);
    expect(server.stderr).toHaveLength(1);
    expect(server.stderr[0]).toContain(name);
    expect(server.stderr[0]).toContain(value);
    expect(server.stderr[0]).toMatch(/expected/);
    expect([...server.stdout, ...server.stderr].join('\n')).not.toMatch(/\n\s+at /);
  });

  it('writes one JSON log line per request with the request fields', async () => {
    const server = await spawnTracked();
    const result = await http(server.url, 'GET', '/healthz');
    const requestId = result.headers.get('x-request-id')!;
    const line = await server.waitForLine(new RegExp(requestId));
    expect(JSON.parse(line)).toMatchObject({ request_id: requestId, method: 'GET', path: '/healthz', status: 200 });
    expect(typeof JSON.parse(line).duration_ms).toBe('number');
    expect(server.stdout.filter((l) => l.includes(requestId))).toHaveLength(1);
  });

  it('starts with one info line naming the version, addresses, storage, email, sign-up, code login and limits, and no secrets', async () => {
    const server = await spawnTracked({
      env: {
        SYNC_BASE_URL: 'https://sync.example.com',
        SYNC_EMAIL_PROVIDER: 'smtp',
        SYNC_SMTP_URL: 'smtp://mailer:relay-password@smtp.example.com:587',
        SYNC_ALLOW_SIGNUP: 'false',
        SYNC_RATE_LIMIT_PUSH: '90',
      },
    });
    const version = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
    const info = server.stdout.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === 30);
    // Before any request, the start logs exactly this one info line.
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({
      msg: `td-sync ${version} listening on ${server.url}`,
      version,
      listen: server.url,
      base_url: 'https://sync.example.com',
      storage: {
        backend: 'sqlite',
        server_db: join(server.dataDir, 'server.db'),
        project_data_dir: join(server.dataDir, 'projects'),
        max_open_projects: 64,
        project_databases_open_at_most: expect.any(Number),
        descriptor_limit: expect.any(Number),
      },
      email: { provider: 'smtp', smtp_server: 'smtp.example.com:587', from: 'td-sync <noreply@localhost>' },
      signup: false,
      code_login: 'confirm',
      rate_limits_per_minute: { auth: 10, auth_poll: 300, push: 90, pull: 120, other: 300 },
    });
    expect(server.stdout.join('\n')).not.toMatch(/relay-password|mailer/);
    expect(server.stdout.join('\n')).not.toMatch(/InstanceLoader|RouterExplorer|dependencies initialized|Mapped \{/);
  });

  it('warns at start when SYNC_BASE_URL is still the default while the server listens on another port', async () => {
    const server = await spawnTracked();
    const port = new URL(server.url).port;
    const warning = JSON.parse(await server.waitForLine(/SYNC_BASE_URL is still the default/)) as { level: number; msg: string };
    expect(warning.level).toBe(40);
    expect(warning.msg).toContain(`listens on port ${port}`);

    const configured = await spawnTracked({ env: { SYNC_BASE_URL: 'https://sync.example.com' } });
    expect(configured.stdout.join('\n')).not.toContain('SYNC_BASE_URL is still the default');
  });

  it('warns at start about each SYNC_* variable that is no setting, naming the one it may have meant', async () => {
    const server = await spawnTracked({ env: { SYNC_DATA_DIR: '/srv/td-sync', SYNC_CORS_ORIGINS: '*' } });
    const cors = JSON.parse(await server.waitForLine(/SYNC_CORS_ORIGINS is not a td-sync setting/)) as { level: number; msg: string };
    const dataDir = JSON.parse(await server.waitForLine(/SYNC_DATA_DIR is not a td-sync setting/)) as { level: number; msg: string };
    expect(cors).toMatchObject({ level: 40, msg: "SYNC_CORS_ORIGINS is not a td-sync setting and has no effect; the README's Configuration section lists the settings" });
    expect(dataDir).toMatchObject({ level: 40, msg: expect.stringContaining('(did you mean SYNC_PROJECT_DATA_DIR?)') });
    // A server with only settings it knows says nothing of the kind.
    const plain = await spawnTracked({ env: { SYNC_LOG_LEVEL: 'info' } });
    expect(plain.stdout.join('\n')).not.toContain('is not a td-sync setting');
  });

  it('shows Nest\'s module and route lines at SYNC_LOG_LEVEL=debug only', async () => {
    const server = await spawnTracked({ env: { SYNC_LOG_LEVEL: 'debug' } });
    const lines = server.stdout.map((line) => JSON.parse(line) as { level: number; context?: string; msg: string });
    const framework = lines.filter((line) => ['InstanceLoader', 'RouterExplorer', 'RoutesResolver', 'NestFactory', 'NestApplication'].includes(line.context ?? ''));
    expect(framework.length).toBeGreaterThan(20);
    expect(framework.every((line) => line.level === 20)).toBe(true);
    expect(framework.some((line) => line.msg === 'Mapped {/v1/me, GET} route')).toBe(true);
  });

  it('writes readable text logs with SYNC_LOG_FORMAT=text', async () => {
    const server = await spawnTracked({ env: { SYNC_LOG_FORMAT: 'text' } });
    const result = await http(server.url, 'GET', '/metricz');
    const line = await server.waitForLine(new RegExp(result.headers.get('x-request-id')!));
    expect(() => JSON.parse(line)).toThrow();
    expect(line).toMatch(/request completed/);
    expect(line).toMatch(/\/metricz/);
  });

  it('on SIGTERM checkpoints the server and project databases, leaves no WAL content and exits 0', async () => {
    const server = await spawnTracked({ env: { SYNC_CODE_LOGIN: 'direct' } });
    const { apiKey } = await loginViaUserCode(server, 'shutdown@example.com');
    const project = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey, body: { name: 'shutdown' } });
    const pushed = await http(server.url, 'POST', `/v1/projects/${project.body.id}/sync/push`, {
      apiKey,
      body: {
        device_id: 'dev',
        session_id: 'ses',
        events: [{ client_action_id: 1, action_type: 'create', entity_type: 'issues', entity_id: 'td-1', payload: {}, client_timestamp: '2026-01-31T08:15:02Z' }],
      },
    });
    expect(pushed.status).toBe(200);
    const wals = [join(server.dataDir, 'server.db-wal'), join(server.dataDir, 'projects', project.body.id, 'events.db-wal')];
    for (const wal of wals) expect(existsSync(wal) && statSync(wal).size > 0).toBe(true);
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    for (const wal of wals) expect({ wal, size: existsSync(wal) ? statSync(wal).size : 0 }).toEqual({ wal, size: 0 });
    expect(server.stdout.join('\n')).toMatch(/stopped cleanly/);
  });

  it('on SIGINT stops the same way', async () => {
    const server = await spawnTracked();
    server.process.kill('SIGINT');
    expect(await server.exited).toBe(0);
  });

  it('closes connections still busy after SYNC_SHUTDOWN_TIMEOUT and still exits 0', async () => {
    const server = await spawnTracked({ env: { SYNC_SHUTDOWN_TIMEOUT: '300ms' } });
    // A request whose body never finishes arriving stays in flight until the
    // server gives up on it. "Expect: 100-continue" makes the server confirm it
    // has read the headers, so the signal arrives while the request is in flight.
    const stalled = request(`${server.url}/v1/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '100', expect: '100-continue' },
    });
    const outcome = new Promise((done) => {
      stalled.on('error', done);
      stalled.on('response', done);
    });
    await new Promise<void>((done) => stalled.on('continue', () => stalled.write('{"name":', () => done())));
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await outcome;
    expect(server.stdout.join('\n')).toMatch(/shutdown timeout reached/);
  });

  it('while draining answers a request that arrives on an open connection 503 unavailable with Retry-After, and finishes the one in flight', async () => {
    const server = await spawnTracked({ env: { SYNC_CODE_LOGIN: 'direct', SYNC_SHUTDOWN_TIMEOUT: '10s' } });
    const { apiKey } = await loginViaUserCode(server, 'draining@example.com');
    const body = JSON.stringify({ name: 'drained' });
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.write(
      `POST /v1/projects HTTP/1.1\r\nHost: td\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await until(() => received.includes('100 Continue'));
    server.process.kill('SIGTERM');
    await server.waitForLine(/draining requests/);
    // The rest of the first request, and a second one behind it on the same connection.
    socket.write(`${body}GET /healthz HTTP/1.1\r\nHost: td\r\n\r\n`);
    await closed;
    expect(await server.exited).toBe(0);
    const answers = received.split(/(?=HTTP\/1\.1 )/).filter((part) => !part.startsWith('HTTP/1.1 100'));
    expect(answers[0]).toMatch(/^HTTP\/1\.1 201 /);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(answers[1]).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(JSON.parse(answers[1].slice(answers[1].indexOf('\r\n\r\n') + 4))).toMatchObject({
      error: { code: 'unavailable', message: 'the server is shutting down: retry in a moment' },
    });
  });
});

/** The built server on PostgreSQL (SYNC_DATABASE_URL): waiting for the database, stopping, dying. */
describe('td-sync process with PostgreSQL', () => {
  const started: SpawnedServer[] = [];
  let database: TestDatabase;
  const spawnTracked = async (...args: Parameters<typeof spawnServer>) => {
    const server = await spawnServer(...args);
    started.push(server);
    return server;
  };
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const server of started.splice(0)) {
      if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
      await server.exited;
      rmSync(server.dataDir, { recursive: true, force: true });
    }
    await database.drop();
  });

  const pushOne = (url: string, apiKey: string, projectId: string, id: number) =>
    http(url, 'POST', `/v1/projects/${projectId}/sync/push`, {
      apiKey,
      body: {
        device_id: 'dev',
        session_id: 'ses',
        events: [{ client_action_id: id, action_type: 'create', entity_type: 'issues', entity_id: `td-${id}`, payload: { n: id }, client_timestamp: '2026-01-31T08:15:02Z' }],
      },
    });

  it('retries a database that does not answer, one line per attempt naming it without the password, then exits 1', async () => {
    const server = await spawnTracked({
      env: { SYNC_DATABASE_URL: 'postgres://td:n0t-this-one@127.0.0.1:1/td_sync', SYNC_DATABASE_CONNECT_TIMEOUT: '1200ms' },
      waitUntilListening: false,
    });
    expect(await server.exited).toBe(1);
    const waits = server.stderr.filter((line) => line.startsWith('td-sync: PostgreSQL at 127.0.0.1:1/td_sync does not answer (attempt '));
    expect(waits.length).toBeGreaterThanOrEqual(2);
    expect(server.stderr.at(-1)).toMatch(/^td-sync: failed to start: PostgreSQL at 127\.0\.0\.1:1\/td_sync did not answer within 1 s \(\d+ attempts\)/);
    expect(server.stderr).toHaveLength(waits.length + 1);
    expect([...server.stdout, ...server.stderr].join('\n')).not.toContain('n0t-this-one');
  });

  it('refuses a malformed SYNC_DATABASE_URL with one line and exit 2', async () => {
    const server = await spawnTracked({ env: { SYNC_DATABASE_URL: 'postgres://td:secret@db:5432/td?sslmode=maybe' }, waitUntilListening: false });
    expect(await server.exited).toBe(2);
    // One line, in the default log format (JSON), the password masked.
    expect(server.stderr).toHaveLength(1);
    expect((JSON.parse(server.stderr[0]) as { msg: string }).msg).toBe(
      'td-sync: invalid SYNC_DATABASE_URL="postgres://td:***@db:5432/td?sslmode=maybe": expected a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/td_sync',
    );
  });

  it('starts once the database answers, drains on SIGTERM, closes its connections and exits 0', async () => {
    const server = await spawnTracked({ env: { SYNC_DATABASE_URL: database.url, SYNC_CODE_LOGIN: 'direct' } });
    // The start-up line names the database by host, port and name, never with its credentials.
    const started = JSON.parse(await server.waitForLine(/listening on http/)) as { storage: unknown };
    const url = new URL(database.url);
    expect(started.storage).toEqual({ backend: 'postgresql', database: `${url.hostname}:${url.port}${url.pathname}`, pool_size: 10 });
    if (url.password) expect(server.stdout.join('\n')).not.toContain(url.password);
    const { apiKey } = await loginViaUserCode(server, 'pg-shutdown@example.com');
    const project = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey, body: { name: 'shutdown' } });
    expect((await pushOne(server.url, apiKey, project.body.id, 1)).status).toBe(200);
    expect(await connectionsOf(database)).toBeGreaterThan(0);
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stdout.join('\n')).toMatch(/stopped cleanly/);
    expect(await connectionsSettled(database)).toBe(0);
  });

  it('keeps every acknowledged push when killed with SIGKILL: a 200 means committed', async () => {
    const first = await spawnTracked({ env: { SYNC_DATABASE_URL: database.url, SYNC_CODE_LOGIN: 'direct' } });
    const { apiKey } = await loginViaUserCode(first, 'pg-kill@example.com');
    const project = await http<{ id: string }>(first.url, 'POST', '/v1/projects', { apiKey, body: { name: 'kill' } });
    for (let id = 1; id <= 5; id++) expect((await pushOne(first.url, apiKey, project.body.id, id)).status).toBe(200);
    first.process.kill('SIGKILL');
    await first.exited;

    const second = await spawnTracked({ env: { SYNC_DATABASE_URL: database.url } });
    const pulled = await http<{ events: { server_seq: number; payload: unknown }[] }>(second.url, 'GET', `/v1/projects/${project.body.id}/sync/pull`, { apiKey });
    expect(pulled.body.events.map((e) => [e.server_seq, e.payload])).toEqual([1, 2, 3, 4, 5].map((n) => [n, { n }]));
  });
});

/** Connections to the database other than this one's own query. */
async function connectionsOf(database: TestDatabase): Promise<number> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    return rows[0].n;
  } finally {
    await client.end();
  }
}

/**
 * The connections left once PostgreSQL has caught up: a backend leaves
 * pg_stat_activity a moment after its client's socket closes (it is a
 * process of its own, ending asynchronously), so a count taken the instant
 * the server has exited can still see one. Asks again for up to 5 s while
 * any is left, then answers the count.
 */
async function connectionsSettled(database: TestDatabase): Promise<number> {
  let count = await connectionsOf(database);
  for (let attempt = 0; attempt < 50 && count > 0; attempt++) {
    await new Promise((done) => setTimeout(done, 100));
    count = await connectionsOf(database);
  }
  return count;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((done) => setTimeout(done, 10));
}
