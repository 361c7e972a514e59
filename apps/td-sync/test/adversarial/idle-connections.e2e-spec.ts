import { readFileSync, rmSync } from 'node:fs';
import { LISTEN_BACKLOG } from '../../src/cli/serve.command';
import { connect, Socket } from 'node:net';
import { http } from '../support/http';
import { HealthProbe, LegitimateClient, lostAcks, pullEverything } from '../support/hostile-load';
import { loginViaUserCode } from '../support/login';
import { openDescriptors, RawConnection, requestHead } from '../support/raw-connection';
import { spawnServer, SpawnedServer } from '../support/spawned-server';
import { storedEvents } from '../support/database-files';
import { createCaller, startTestServer, TestServer } from '../support/test-server';
import { createProject } from '../support/sync';

/**
 * Issue 18, found 3: with no cap on connections and timeouts of minutes,
 * about a thousand idle sockets at a 1024 descriptor limit stopped /healthz
 * for the whole run. Now connections are capped below the descriptor limit
 * (an idle connection gives way to a new one) and idle, trickling and slow
 * requests are cut off after seconds.
 */

const LIMIT = 1024;
const IDLE_SOCKETS = 1200;

/**
 * At most this many connects at once. A connect past the listen queue has
 * its SYN dropped and is tried again after 1, 3, 7, 15, 31 and 63 s: 1,200
 * in one burst overflowed Node's queue of 511 by about 150 even on an idle
 * machine (`nstat`: TcpExtListenOverflows), and on a busy CI machine a few
 * went on being dropped past the test's timeout (once, 71.6 s against
 * 22-24), which tested the kernel's retry timer, not the server. The server
 * now asks for LISTEN_BACKLOG, but the kernel caps that at somaxconn (128
 * before Linux 5.4), so this test still keeps its bursts small.
 */
const CONNECTS_AT_ONCE = 200;

interface IdleSocket {
  socket: Socket;
  closed: Promise<void>;
  /** True once the handshake completed, false if it closed first. */
  connected: Promise<boolean>;
}

/** A TCP connection to `url` that never sends a byte. */
function idleSocket(url: string): IdleSocket {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  // Reads (and drops) whatever comes, so the server's closing is seen.
  socket.resume();
  const closed = new Promise<void>((done) => socket.on('close', () => done()));
  const connected = Promise.race([new Promise<boolean>((done) => socket.once('connect', () => done(true))), closed.then(() => false)]);
  return { socket, closed, connected };
}

/** Opens `count` idle connections, CONNECTS_AT_ONCE at a time; resolves once each has connected or failed. */
async function openIdleSockets(url: string, count: number): Promise<IdleSocket[]> {
  const sockets: IdleSocket[] = [];
  for (let opened = 0; opened < count; opened += CONNECTS_AT_ONCE) {
    const batch = Array.from({ length: Math.min(CONNECTS_AT_ONCE, count - opened) }, () => idleSocket(url));
    await Promise.all(batch.map(({ connected }) => connected));
    sockets.push(...batch);
  }
  return sockets;
}

describe(`${IDLE_SOCKETS} idle sockets against the built server under ulimit -n ${LIMIT}`, () => {
  let server: SpawnedServer;
  let held: IdleSocket[] = [];

  beforeAll(async () => {
    server = await spawnServer({ descriptorLimit: LIMIT, env: { SYNC_CODE_LOGIN: 'direct' } });
  });
  afterAll(async () => {
    for (const { socket } of held) socket.destroy();
    server.process.kill('SIGTERM');
    await server.exited;
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('caps connections below the descriptor limit, keeps /healthz and pushes answering, and closes the idle sockets after the header timeout', async () => {
    // The cap is derived from the limit, and logged in the start-up line.
    const started = JSON.parse(await server.waitForLine(/listening on/)) as { storage: { descriptor_limit: number }; limits: { max_connections: number } };
    expect({ descriptors: started.storage.descriptor_limit, connections: started.limits.max_connections }).toEqual({ descriptors: LIMIT, connections: 224 });

    const { apiKey } = await loginViaUserCode(server, 'steady@example.com');
    const project = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey, body: { name: 'steady' } });
    expect(project.status).toBe(201);
    const pid = server.process.pid!;
    const before = openDescriptors(pid);

    held = await openIdleSockets(server.url, IDLE_SOCKETS);
    const duringAttack = openDescriptors(pid);

    const probe = new HealthProbe(server.url);
    const client = new LegitimateClient(server.url, apiKey, project.body.id, 'steady');
    await client.run(10, 10);
    const probes = await probe.stop();

    // Never more sockets than the cap (the probe and the client took the
    // places of idle ones), so the databases always have their descriptors.
    expect(duringAttack).toBeLessThanOrEqual(before + 224 + 8);
    expect(openDescriptors(pid)).toBeLessThanOrEqual(before + 224 + 8);
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.filter((outcome) => outcome !== 200)).toEqual([]);
    expect(client.failures).toEqual([]);
    expect(lostAcks([client], await pullEverything(server.url, apiKey, project.body.id))).toEqual([]);

    // The idle sockets that kept a place are closed once the header timeout (10 s) passes.
    await Promise.all(held.map(({ closed }) => closed));
    expect(server.process.exitCode).toBeNull();
  });
});

describe('a burst of connects while the server is not accepting', () => {
  const BURST = 1100;
  let server: SpawnedServer;
  let sockets: Socket[] = [];

  beforeAll(async () => {
    server = await spawnServer();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    server.process.kill('SIGCONT');
    server.process.kill('SIGTERM');
    await server.exited;
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  // Node's default queue (511) left the rest of a burst to the client's SYN retries: 1, 3, 7, 15 s...
  it(`has the kernel complete and queue all of them (listen backlog ${LISTEN_BACKLOG}, capped by net.core.somaxconn), and accepts them once it runs again`, async () => {
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    server.process.kill('SIGSTOP'); // as an event loop busy for a moment would, only longer
    const burst = Array.from({ length: BURST }, () => idleSocket(server.url));
    sockets = burst.map(({ socket }) => socket);
    // Long enough for any handshake the kernel will complete; shorter than the first SYN retry's second round (3 s).
    const deadline = new Promise<false>((done) => setTimeout(() => done(false), 2500));
    const connected = await Promise.all(burst.map((idle) => Promise.race([idle.connected, deadline])));
    expect(connected.filter(Boolean).length).toBeGreaterThanOrEqual(Math.min(BURST, LISTEN_BACKLOG, somaxconn));

    server.process.kill('SIGCONT');
    const health = await http(server.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    for (const socket of sockets) socket.destroy();
    sockets = [];
  });
});

describe('timeouts of seconds (short settings)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_HEADERS_TIMEOUT: '1s', SYNC_KEEP_ALIVE_TIMEOUT: '1s', SYNC_REQUEST_TIMEOUT: '2s', SYNC_RATE_LIMIT_PUSH: '0' });
  });
  afterAll(() => server.close());

  it('answers a connection that sends nothing with 408 and closes it', async () => {
    const connection = await RawConnection.open(server.url);
    const answer = await connection.nextResponse();
    expect(answer.status).toBe(408);
    await connection.closed;
  });

  it('answers a request whose headers trickle in (slowloris) with 408 and closes it', async () => {
    const connection = await RawConnection.open(server.url);
    await connection.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    let closed = false;
    void connection.closed.then(() => (closed = true));
    for (let i = 0; !closed && i < 100; i++) {
      await connection.write(`X-Slow-${i}: 1\r\n`);
      await new Promise((done) => setTimeout(done, 100));
    }
    expect((await connection.nextResponse()).status).toBe(408);
    await connection.closed;
  });

  it('closes a keep-alive connection left idle after its response', async () => {
    const connection = await RawConnection.open(server.url);
    await connection.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect((await connection.nextResponse()).status).toBe(200);
    await connection.closed;
    expect(connection.error).toBeUndefined();
  });

  it('cuts off a push whose body arrives too slowly with 408, stores nothing, and gives its bytes back', async () => {
    const caller = await createCaller(server, 'slow@example.com');
    const projectId = await createProject(server, caller, 'slow');
    const connection = await RawConnection.open(server.url);
    await connection.write(requestHead('POST', `/v1/projects/${projectId}/sync/push`, 1024 * 1024, { Authorization: `Bearer ${caller.apiKey}` }));
    let closed = false;
    void connection.closed.then(() => (closed = true));
    for (let i = 0; !closed && i < 100; i++) {
      await connection.write(Buffer.alloc(1024, 0x20));
      await new Promise((done) => setTimeout(done, 100));
    }
    expect((await connection.nextResponse()).status).toBe(408);
    await connection.closed;
    expect(storedEvents(server.dataDir, projectId)).toEqual([]);
    const after = await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, {
      apiKey: caller.apiKey,
      body: { device_id: 'd', session_id: 's', events: [{ client_action_id: 1, action_type: 'create', entity_type: 'issues', entity_id: 'td-1', payload: {}, client_timestamp: '2026-01-31T08:15:02Z' }] },
    });
    expect(after.status).toBe(200);
  });
});
