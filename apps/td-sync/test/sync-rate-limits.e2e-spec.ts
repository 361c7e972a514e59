import { expectError, http } from './support/http';
import { Caller, createCaller, startTestServer, TestServer } from './support/test-server';
import { addMember, createProject, makeEvent, pull, push } from './sync-helpers';

/** Push and pull draw from their own PROTOCOL.md budgets (per API key), status from the general one. */
describe('sync rate limits', () => {
  let server: TestServer;
  let owner: Caller;
  let projectId: string;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_RATE_LIMIT_PUSH: '2', SYNC_RATE_LIMIT_PULL: '3', SYNC_RATE_LIMIT_OTHER: '50' });
    owner = await createCaller(server, 'limited@example.com');
    projectId = await createProject(server, owner);
  });
  afterAll(() => server.close());

  it('limits pushes and pulls separately, each with 429 rate_limited and Retry-After', async () => {
    const body = (id: number) => ({ device_id: 'd', session_id: 's', events: [makeEvent(id)] });
    expect((await push(server, owner, projectId, body(1))).status).toBe(200);
    expect((await push(server, owner, projectId, body(2))).status).toBe(200);
    const refused = await push(server, owner, projectId, body(3));
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    for (let i = 0; i < 3; i++) expect((await pull(server, owner, projectId)).status).toBe(200);
    expectError(await pull(server, owner, projectId), 429, 'rate_limited');

    expect((await http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: owner.apiKey })).body).toMatchObject({ event_count: 2 });
    // Another key has budgets of its own.
    const writer = await addMember(server, owner, projectId, 'limited-writer@example.com', 'writer');
    expect((await push(server, writer, projectId, body(4))).status).toBe(200);
  });
});
