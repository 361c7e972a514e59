import { existsSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
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
});
