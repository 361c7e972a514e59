import { expectError, http } from './support/http';
import { addMember, createProject, makeEvents, push, startSyncTestServer } from './support/sync';
import { Caller, createCaller, describeEachBackend, TestServer } from './support/test-server';

/** PROTOCOL.md, Sync: Status and Snapshot. Who may read them is held in pull.e2e-spec.ts (same reader+ rule). */
describeEachBackend('GET /v1/projects/:id/sync/status and snapshot', (backend) => {
  let server: TestServer;
  let owner: Caller;

  beforeAll(async () => {
    server = await startSyncTestServer({ backend });
    owner = await createCaller(server, 'status-owner@example.com');
  });
  afterAll(() => server.close());

  it('reports status: event_count, last_server_seq, and last_event_time only once there are events', async () => {
    const projectId = await createProject(server, owner);
    const empty = await http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: owner.apiKey });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ event_count: 0, last_server_seq: 0 });

    const before = Date.now();
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 3) });
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 4) }); // 3 duplicates, 1 new
    const after = Date.now();
    const status = await http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: owner.apiKey });
    expect(status.body).toEqual({ event_count: 4, last_server_seq: 4, last_event_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/) });
    const time = Date.parse(status.body.last_event_time);
    expect(time).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(time).toBeLessThanOrEqual(after);
  });

  it("answers status with the caller's 404 or 403 and a reader with the log's status", async () => {
    const projectId = await createProject(server, owner);
    const reader = await addMember(server, owner, projectId, 'status-reader@example.com', 'reader');
    const stranger = await createCaller(server, 'status-stranger@example.com');
    const deleted = await createProject(server, owner, 'deleted before its status');
    expect((await http(server.url, 'DELETE', `/v1/projects/${deleted}`, { apiKey: owner.apiKey })).status).toBe(204);
    const statusText = async (caller: Caller, id: string): Promise<string> => {
      const result = await http(server.url, 'GET', `/v1/projects/${id}/sync/status`, { apiKey: caller.apiKey });
      return `${result.status} ${result.text}`;
    };
    const notFound = '404 {"error":{"code":"not_found","message":"project not found"},"code":"not_found","message":"project not found"}';

    expect(await statusText(reader, projectId)).toBe('200 {"event_count":0,"last_server_seq":0}');
    expect(await statusText(stranger, projectId)).toBe(
      '403 {"error":{"code":"forbidden","message":"requires reader role: you are not a member of this project"},"code":"forbidden","message":"requires reader role: you are not a member of this project"}',
    );
    expect(await statusText(owner, deleted)).toBe(notFound);
    expect(await statusText(owner, 'p_00000000000000ff')).toBe(notFound);
    expect(await statusText(owner, 'not-a-project')).toBe(notFound);
  });

  it('answers snapshot with 404 not_found, so clients pull from seq 0', async () => {
    const projectId = await createProject(server, owner);
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 1) });
    expectError(await http(server.url, 'GET', `/v1/projects/${projectId}/sync/snapshot`, { apiKey: owner.apiKey }), 404, 'not_found');
  });
});
