import { StorageConnection } from '@td-sync/storage';
import { allowConnections, refuseConnections } from '@td-sync/testing';
import { http } from './support/http';
import { capturedLogs, expectHealthCheckFailureLogged } from './support/log-capture';
import { addMember, createProject, makeEvent, makeEvents, pull, push, startSyncTestServer } from './support/sync';
import { Caller, createCaller, describeEachBackend, startTestServer, TestServer } from './support/test-server';

describeEachBackend('GET /healthz and GET /metricz', (backend) => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer({}, { backend });
  });
  afterEach(() => server.close());

  it('reports ok while the server database answers', async () => {
    const result = await http(server.url, 'GET', '/healthz');
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: 'ok' });
    expect(Object.keys(result.body)[0]).toBe('status');
  });

  it('reports 503 status error once the server database is unusable', async () => {
    await server.app.get(StorageConnection).close();
    const result = await http(server.url, 'GET', '/healthz');
    expect(result.status).toBe(503);
    expect(result.body).toMatchObject({ status: 'error' });
    expectHealthCheckFailureLogged(result, backend === 'sqlite' ? 'server database does not answer' : 'the database connection is closed');
  });

  it('counts every response, 2xx, 4xx and 413 alike, with exactly the six PROTOCOL.md counters', async () => {
    await http(server.url, 'GET', '/healthz');
    await http(server.url, 'GET', '/no-such-route');
    await http(server.url, 'GET', '/v1/projects'); // no key: refused by the guard
    await http(server.url, 'POST', '/v1/projects', { body: '{"x":"' + 'a'.repeat(10 * 1024 * 1024 + 1) + '"}' });
    const result = await http(server.url, 'GET', '/metricz');
    expect(result.status).toBe(200);
    expect(Object.keys(result.body).sort()).toEqual(
      ['client_errors', 'pull_requests', 'push_events_accepted', 'requests', 'server_errors', 'uptime_seconds'].sort(),
    );
    expect(result.body).toMatchObject({ requests: 4, client_errors: 3, server_errors: 0, push_events_accepted: 0, pull_requests: 0 });
    expect(Number.isInteger(result.body.uptime_seconds)).toBe(true);
  });
});

describe('GET /healthz with PostgreSQL', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer({}, { backend: 'postgres' });
  });
  afterEach(async () => {
    await allowConnections(server.database!.name);
    await server.close();
  });

  it('answers 503 while the database refuses every connection, and 200 again once it answers', async () => {
    const name = server.database!.name;
    await refuseConnections(name);
    const down = await http(server.url, 'GET', '/healthz');
    expect(down.body).toMatchObject({ status: 'error' });
    expectHealthCheckFailureLogged(down, `/${name} does not answer`);

    await allowConnections(name);
    const up = await http(server.url, 'GET', '/healthz');
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ status: 'ok' });
  });

  it('answers API requests 503 unavailable with Retry-After while the database does not answer, and serves them again after', async () => {
    const caller = await createCaller(server, 'patient@example.com');
    const name = server.database!.name;
    await refuseConnections(name);
    const refused = await http(server.url, 'GET', '/v1/projects', { apiKey: caller.apiKey });
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: { code: 'unavailable', message: expect.any(String) }, code: 'unavailable', message: expect.any(String) });
    expect(refused.body.message).not.toContain(name);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(capturedLogs.takeRequest(refused)).toEqual([expect.objectContaining({ msg: 'request completed', status: 503 })]);

    await allowConnections(name);
    expect((await http(server.url, 'GET', '/v1/projects', { apiKey: caller.apiKey })).status).toBe(200);
  });
});

describeEachBackend('GET /metricz counts sync traffic', (backend) => {
  let server: TestServer;
  let owner: Caller;

  beforeAll(async () => {
    server = await startSyncTestServer({ backend });
    owner = await createCaller(server, 'metrics-owner@example.com');
  });
  afterAll(() => server.close());

  it('advances push_events_accepted by the accepted events only', async () => {
    const projectId = await createProject(server, owner);
    const before = (await http(server.url, 'GET', '/metricz')).body.push_events_accepted as number;
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 5) });
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: [...makeEvents(4, 4), makeEvent(9, { entity_id: '' })] });
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: [makeEvent(1, { entity_type: 'nope' })] });
    const after = (await http(server.url, 'GET', '/metricz')).body.push_events_accepted as number;
    expect(after - before).toBe(5 + 2);
  });

  it('counts pull requests in /metricz', async () => {
    const projectId = await createProject(server, owner);
    const before = (await http(server.url, 'GET', '/metricz')).body.pull_requests as number;
    await pull(server, owner, projectId);
    await pull(server, owner, projectId, 'after_server_seq=5');
    const after = (await http(server.url, 'GET', '/metricz')).body.pull_requests as number;
    expect(after - before).toBe(2);
  });

  it("counts every pull the access rule admits, a reader's malformed query included, and no refused one", async () => {
    const projectId = await createProject(server, owner);
    const reader = await addMember(server, owner, projectId, 'metrics-reader@example.com', 'reader');
    const stranger = await createCaller(server, 'metrics-stranger@example.com');
    const deleted = await createProject(server, owner);
    expect((await http(server.url, 'DELETE', `/v1/projects/${deleted}`, { apiKey: owner.apiKey })).status).toBe(204);
    const pullRequests = async (): Promise<number> => (await http(server.url, 'GET', '/metricz')).body.pull_requests as number;
    const statuses = async (pulls: Array<[Caller, string, string]>): Promise<number[]> => {
      const answers: number[] = [];
      for (const [caller, id, query] of pulls) answers.push((await pull(server, caller, id, query)).status);
      return answers;
    };

    const before = await pullRequests();
    const refused = await statuses([
      [stranger, projectId, ''],
      [stranger, projectId, 'limit=0'],
      [owner, deleted, ''],
      [owner, deleted, 'limit=0'],
      [owner, 'p_00000000000000ff', ''],
      [owner, 'not-a-project', 'limit=0'],
    ]);
    expect(refused).toEqual([403, 403, 404, 404, 404, 404]);
    expect((await pullRequests()) - before).toBe(0);

    expect(await statuses([[reader, projectId, 'limit=0'], [reader, projectId, 'after_server_seq=x'], [reader, projectId, '']])).toEqual([400, 400, 200]);
    expect((await pullRequests()) - before).toBe(3);
  });
});
