import { ProjectAccess } from '@td-sync/projects';
import { expectError, http } from './support/http';
import { Caller, createCaller, describeEachBackend, TestServer } from './support/test-server';
import { addMember, createProject, makeEvent, makeEvents, pull, pullAll, push, startSyncTestServer } from './support/sync';

describeEachBackend('GET /v1/projects/:id/sync/pull', (backend) => {
  let server: TestServer;
  let owner: Caller;

  beforeAll(async () => {
    server = await startSyncTestServer({ backend });
    owner = await createCaller(server, 'pull-owner@example.com');
  });
  afterAll(() => server.close());

  it('syncs two devices: A pushes, B pulls without its own, B pushes, A pulls only B’s events', async () => {
    const projectId = await createProject(server, owner);
    const bob = await addMember(server, owner, projectId, 'pull-bob@example.com', 'writer');

    const fromA = await push(server, owner, projectId, { device_id: 'dev-A', session_id: 'ses-A', events: makeEvents(1, 3) });
    expect(fromA.body.acks.map((a) => a.server_seq)).toEqual([1, 2, 3]);

    const atB = await pull(server, bob, projectId, 'after_server_seq=0&exclude_client=dev-B');
    expect(atB.status).toBe(200);
    expect(atB.body.events.map((e) => [e.server_seq, e.device_id, e.client_action_id])).toEqual([
      [1, 'dev-A', 1],
      [2, 'dev-A', 2],
      [3, 'dev-A', 3],
    ]);
    expect(atB.body).toMatchObject({ last_server_seq: 3, has_more: false });
    expect(atB.body.events[0]).toEqual({
      server_seq: 1,
      device_id: 'dev-A',
      session_id: 'ses-A',
      client_action_id: 1,
      action_type: 'create',
      entity_type: 'issues',
      entity_id: 'td-1',
      payload: makeEvent(1).payload,
      client_timestamp: '2026-01-31T08:15:02.123Z',
    });

    const fromB = await push(server, bob, projectId, {
      device_id: 'dev-B',
      session_id: 'ses-B',
      events: [makeEvent(1, { action_type: 'update', entity_id: 'td-1' }), makeEvent(2, { entity_type: 'comments', entity_id: 'c-1' })],
    });
    expect(fromB.body.acks).toEqual([
      { client_action_id: 1, server_seq: 4 },
      { client_action_id: 2, server_seq: 5 },
    ]);

    const atA = await pull(server, owner, projectId, 'after_server_seq=0&exclude_client=dev-A');
    expect(atA.body.events.map((e) => [e.server_seq, e.device_id, e.action_type, e.entity_type, e.entity_id])).toEqual([
      [4, 'dev-B', 'update', 'issues', 'td-1'],
      [5, 'dev-B', 'create', 'comments', 'c-1'],
    ]);
    expect(atA.body).toMatchObject({ last_server_seq: 5, has_more: false });

    // From where A left off after its own push, the same two.
    const incremental = await pull(server, owner, projectId, 'after_server_seq=3&exclude_client=dev-A');
    expect(incremental.body.events.map((e) => e.server_seq)).toEqual([4, 5]);
    // B, caught up at 3, sees nothing new but its own: an empty page that keeps its position.
    expect((await pull(server, bob, projectId, 'after_server_seq=5&exclude_client=dev-B')).body).toEqual({ events: [], last_server_seq: 5, has_more: false });
  });

  it('pages 2,500 events with limit=1000 in exactly three pages: has_more true, true, false', async () => {
    const projectId = await createProject(server, owner);
    for (const first of [1, 1001, 2001]) {
      const count = first === 2001 ? 500 : 1000;
      const result = await push(server, owner, projectId, { device_id: 'bulk', session_id: 's', events: makeEvents(first, count) });
      expect(result.body.accepted).toBe(count);
    }

    const pages = [];
    let after = 0;
    for (let i = 0; i < 3; i++) {
      const page = await pull(server, owner, projectId, `after_server_seq=${after}&limit=1000`);
      expect(page.status).toBe(200);
      pages.push(page.body);
      after = page.body.last_server_seq;
    }
    expect(pages.map((p) => [p.events.length, p.last_server_seq, p.has_more])).toEqual([
      [1000, 1000, true],
      [1000, 2000, true],
      [500, 2500, false],
    ]);
    const seqs = pages.flatMap((p) => p.events.map((e) => e.server_seq));
    expect(seqs).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    expect(pages.flatMap((p) => p.events.map((e) => e.client_action_id))).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));

    expect((await pull(server, owner, projectId, 'after_server_seq=2500&limit=1000')).body).toEqual({ events: [], last_server_seq: 2500, has_more: false });
    // The default limit is 1000 too.
    expect((await pull(server, owner, projectId)).body.events).toHaveLength(1000);
    // Exactly as many left as the limit: no more after them.
    expect((await pull(server, owner, projectId, 'after_server_seq=1500&limit=1000')).body).toMatchObject({ last_server_seq: 2500, has_more: false });
    expect((await pull(server, owner, projectId, 'after_server_seq=1499&limit=1000')).body).toMatchObject({ last_server_seq: 2499, has_more: true });
  });

  it('serves a limit above 10000 as 10000', async () => {
    const projectId = await createProject(server, owner);
    for (let first = 1; first <= 10_001; first += 1000) {
      const count = Math.min(1000, 10_001 - first + 1);
      expect((await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(first, count) })).status).toBe(200);
    }
    const page = await pull(server, owner, projectId, 'limit=50000');
    expect(page.body.events).toHaveLength(10_000);
    expect(page.body).toMatchObject({ last_server_seq: 10_000, has_more: true });
  });

  it('computes has_more over the events that exclude_client leaves in', async () => {
    const projectId = await createProject(server, owner);
    await push(server, owner, projectId, { device_id: 'other', session_id: 's', events: makeEvents(1, 2) }); // 1, 2
    await push(server, owner, projectId, { device_id: 'me', session_id: 's', events: makeEvents(1, 5) }); // 3..7

    const page = await pull(server, owner, projectId, 'limit=2&exclude_client=me');
    expect(page.body.events.map((e) => e.server_seq)).toEqual([1, 2]);
    // Only "me" events remain after seq 2, and they are excluded: nothing more to pull.
    expect(page.body).toMatchObject({ last_server_seq: 2, has_more: false });

    const other = await pull(server, owner, projectId, 'limit=1&exclude_client=other');
    expect(other.body).toMatchObject({ last_server_seq: 3, has_more: true });
    // An exclude_client that matches nobody excludes nothing; an empty one is no exclusion.
    expect((await pullAll(server, owner, projectId, 'exclude_client=nobody')).length).toBe(7);
    expect((await pullAll(server, owner, projectId, 'exclude_client=')).length).toBe(7);
  });

  it.each([
    ['after_server_seq=abc'],
    ['after_server_seq=-1'],
    ['after_server_seq=1.5'],
    ['after_server_seq=99999999999999999999'],
    ['limit=0'],
    ['limit=-3'],
    ['limit=abc'],
    ['limit=2.5'],
  ])('answers ?%s with 400 bad_request', async (query) => {
    const projectId = await createProject(server, owner);
    expectError(await pull(server, owner, projectId, query), 400, 'bad_request');
  });

  it('lets a reader pull and read the status, refuses strangers with 403 and a missing key with 401', async () => {
    const projectId = await createProject(server, owner);
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 2) });
    const reader = await addMember(server, owner, projectId, 'pull-reader@example.com', 'reader');
    const stranger = await createCaller(server, 'pull-stranger@example.com');

    expect((await pull(server, reader, projectId)).body.events).toHaveLength(2);
    expect((await http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: reader.apiKey })).status).toBe(200);
    for (const route of ['pull', 'status', 'snapshot']) {
      expectError(await http(server.url, 'GET', `/v1/projects/${projectId}/sync/${route}`, { apiKey: stranger.apiKey }), 403, 'forbidden');
      expectError(await http(server.url, 'GET', `/v1/projects/${projectId}/sync/${route}`), 401, 'unauthorized');
      expectError(await http(server.url, 'GET', `/v1/projects/p_00000000000000ff/sync/${route}`, { apiKey: owner.apiKey }), 404, 'not_found');
    }
  });

  it("reads the caller's role once for a valid pull or status, in storage: no route guard asks first", async () => {
    const projectId = await createProject(server, owner);
    const reader = await addMember(server, owner, projectId, 'pull-once-reader@example.com', 'reader');
    const stranger = await createCaller(server, 'pull-once-stranger@example.com');
    const earlyChecks = jest.spyOn(server.app.get(ProjectAccess), 'check');
    try {
      expect((await pull(server, reader, projectId)).status).toBe(200);
      expect((await http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: reader.apiKey })).status).toBe(200);
      expectError(await pull(server, stranger, projectId), 403, 'forbidden');
      expectError(await http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: stranger.apiKey }), 403, 'forbidden');
      expect(earlyChecks).not.toHaveBeenCalled();
      // Only a malformed query has the role read before storage: its 400 must wait for the 403/404.
      expectError(await pull(server, reader, projectId, 'limit=0'), 400, 'bad_request');
      expect(earlyChecks).toHaveBeenCalledTimes(1);
    } finally {
      earlyChecks.mockRestore();
    }
  });

  it("answers a malformed pull query with the caller's 403 or 404 before its 400, so a stranger learns nothing from it", async () => {
    const projectId = await createProject(server, owner);
    const reader = await addMember(server, owner, projectId, 'pull-order-reader@example.com', 'reader');
    const stranger = await createCaller(server, 'pull-order-stranger@example.com');
    const deleted = await createProject(server, owner, 'deleted before its pull');
    expect((await http(server.url, 'DELETE', `/v1/projects/${deleted}`, { apiKey: owner.apiKey })).status).toBe(204);
    const pullText = async (caller: Caller, id: string, query: string): Promise<string> => {
      const result = await http(server.url, 'GET', `/v1/projects/${id}/sync/pull?${query}`, { apiKey: caller.apiKey });
      return `${result.status} ${result.text}`;
    };
    const refusal = (status: number, code: string, message: string): string => `${status} ${JSON.stringify({ error: { code, message }, code, message })}`;
    const notFound = refusal(404, 'not_found', 'project not found');

    for (const query of ['limit=0', 'after_server_seq=-1', 'after_server_seq=abc&limit=2.5']) {
      expect(await pullText(stranger, projectId, query)).toBe(refusal(403, 'forbidden', 'requires reader role: you are not a member of this project'));
      expect(await pullText(owner, deleted, query)).toBe(notFound);
      expect(await pullText(owner, 'p_00000000000000ff', query)).toBe(notFound);
      expect(await pullText(owner, 'not-a-project', query)).toBe(notFound);
      expectError(await pull(server, reader, projectId, query), 400, 'bad_request');
    }
    // And a well-formed query: the same answers, and the reader's page.
    expect(await pullText(stranger, projectId, 'limit=5')).toBe(refusal(403, 'forbidden', 'requires reader role: you are not a member of this project'));
    expect(await pullText(owner, deleted, 'limit=5')).toBe(notFound);
    expect(await pullText(owner, 'not-a-project', 'limit=5')).toBe(notFound);
    expect(await pullText(reader, projectId, 'limit=5')).toBe('200 {"events":[],"last_server_seq":0,"has_more":false}');
  });
});
