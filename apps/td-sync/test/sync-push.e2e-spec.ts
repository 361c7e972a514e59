import { expectError, http } from './support/http';
import { Caller, createCaller, TestServer } from './support/test-server';
import { addMember, createProject, makeEvent, makeEvents, pull, pullAll, push, startSyncTestServer } from './sync-helpers';

describe('POST /v1/projects/:id/sync/push', () => {
  let server: TestServer;
  let owner: Caller;

  beforeAll(async () => {
    server = await startSyncTestServer();
    owner = await createCaller(server, 'push-owner@example.com');
  });
  afterAll(() => server.close());

  const status = async (projectId: string) =>
    (await http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: owner.apiKey })).body as { event_count: number };

  it('acknowledges every new event with its server_seq, in request order, with acks always an array and no rejected', async () => {
    const projectId = await createProject(server, owner);
    const result = await push(server, owner, projectId, { device_id: 'dev-1', session_id: 'ses-1', events: makeEvents(17, 3) });
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^application\/json/);
    expect(result.body).toEqual({
      accepted: 3,
      acks: [
        { client_action_id: 17, server_seq: 1 },
        { client_action_id: 18, server_seq: 2 },
        { client_action_id: 19, server_seq: 3 },
      ],
    });
    expect('rejected' in result.body).toBe(false);
  });

  it("rejects a re-pushed event as duplicate with the original's server_seq, and stores it once", async () => {
    const projectId = await createProject(server, owner);
    const first = await push(server, owner, projectId, { device_id: 'dev-1', session_id: 'ses-1', events: makeEvents(1, 2) });
    expect(first.body.accepted).toBe(2);

    const again = await push(server, owner, projectId, {
      device_id: 'dev-1',
      session_id: 'ses-1',
      events: [makeEvent(2), makeEvent(3), makeEvent(1, { payload: { changed: true } })],
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      accepted: 1,
      acks: [{ client_action_id: 3, server_seq: 3 }],
      rejected: [
        { client_action_id: 2, reason: 'duplicate', server_seq: 2 },
        { client_action_id: 1, reason: 'duplicate', server_seq: 1 },
      ],
    });

    const onlyDuplicates = await push(server, owner, projectId, { device_id: 'dev-1', session_id: 'ses-1', events: makeEvents(1, 3) });
    expect(onlyDuplicates.body.accepted).toBe(0);
    expect(onlyDuplicates.body.acks).toEqual([]);
    expect(onlyDuplicates.body.rejected).toHaveLength(3);

    const stored = await pullAll(server, owner, projectId);
    expect(stored.map((e) => [e.server_seq, e.client_action_id])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(stored[0].payload).toEqual(makeEvent(1).payload);
  });

  it('rejects a duplicate within the batch with the seq its first copy got', async () => {
    const projectId = await createProject(server, owner);
    const result = await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: [makeEvent(5), makeEvent(5)] });
    expect(result.body).toEqual({
      accepted: 1,
      acks: [{ client_action_id: 5, server_seq: 1 }],
      rejected: [{ client_action_id: 5, reason: 'duplicate', server_seq: 1 }],
    });
  });

  it('takes the same client_action_id from another session or device as a new event', async () => {
    const projectId = await createProject(server, owner);
    await push(server, owner, projectId, { device_id: 'd1', session_id: 's1', events: [makeEvent(1)] });
    const otherSession = await push(server, owner, projectId, { device_id: 'd1', session_id: 's2', events: [makeEvent(1)] });
    const otherDevice = await push(server, owner, projectId, { device_id: 'd2', session_id: 's1', events: [makeEvent(1)] });
    expect([otherSession.body.acks, otherDevice.body.acks]).toEqual([[{ client_action_id: 1, server_seq: 2 }], [{ client_action_id: 1, server_seq: 3 }]]);
  });

  it('rejects an event with an empty entity_id alone, without a server_seq, and stores the rest', async () => {
    const projectId = await createProject(server, owner);
    const result = await push(server, owner, projectId, {
      device_id: 'd',
      session_id: 's',
      events: [makeEvent(1), makeEvent(2, { entity_id: '' }), makeEvent(3)],
    });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      accepted: 2,
      acks: [
        { client_action_id: 1, server_seq: 1 },
        { client_action_id: 3, server_seq: 2 },
      ],
      rejected: [{ client_action_id: 2, reason: 'empty entity_id' }],
    });
    expect((await status(projectId)).event_count).toBe(2);
  });

  it('answers an all-rejected batch with an empty acks array', async () => {
    const projectId = await createProject(server, owner);
    const result = await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: [makeEvent(1, { entity_id: '' })] });
    expect(result.status).toBe(200);
    expect(result.text).toBe('{"accepted":0,"acks":[],"rejected":[{"client_action_id":1,"reason":"empty entity_id"}]}');
  });

  describe('refuses the whole request with 400 bad_request, storing nothing', () => {
    let projectId: string;
    beforeAll(async () => {
      projectId = await createProject(server, owner);
    });
    afterAll(async () => {
      expect((await status(projectId)).event_count).toBe(0);
    });

    const valid = (events: unknown[] = [makeEvent(1)]) => ({ device_id: 'dev-1', session_id: 'ses-1', events });

    it.each<[string, unknown]>([
      ['malformed JSON', '{"device_id":"dev-1","session_id":"ses-1","events":[{'],
      ['a body that is not an object', '[1,2]'],
      ['no body', undefined],
      ['an empty device_id', { ...valid(), device_id: '' }],
      ['a missing device_id', { session_id: 's', events: [makeEvent(1)] }],
      ['an empty session_id', { ...valid(), session_id: '' }],
      ['a missing session_id', { device_id: 'd', events: [makeEvent(1)] }],
      ['no events', valid([])],
      ['missing events', { device_id: 'd', session_id: 's' }],
      ['more than 1000 events', valid(makeEvents(1, 1001))],
      ['an unknown entity_type', valid([makeEvent(1), makeEvent(2, { entity_type: 'issue' })])],
      ['an unknown action_type', valid([makeEvent(1, { action_type: 'upsert' })])],
      ['a client_timestamp without a zone', valid([makeEvent(1, { client_timestamp: '2026-01-31T08:15:02' })])],
      ['a client_timestamp with a space', valid([makeEvent(1, { client_timestamp: '2026-01-31 08:15:02Z' })])],
      ['a date as client_timestamp', valid([makeEvent(1, { client_timestamp: '2026-01-31' })])],
      ['an impossible client_timestamp', valid([makeEvent(1, { client_timestamp: '2026-02-30T08:15:02Z' })])],
      ['a missing payload', valid([{ ...makeEvent(1), payload: undefined }])],
      ['a null payload', valid([{ ...makeEvent(1), payload: null }])],
      ['an array payload', valid([{ ...makeEvent(1), payload: [1, 2] }])],
      ['a string payload', valid([{ ...makeEvent(1), payload: '{"a":1}' }])],
      ['a number payload', valid([{ ...makeEvent(1), payload: 7 }])],
      ['a fractional client_action_id', valid([makeEvent(1), makeEvent(1.5)])],
      ['a string client_action_id', valid([{ ...makeEvent(1), client_action_id: '1' }])],
      ['a missing client_action_id', valid([{ ...makeEvent(1), client_action_id: undefined }])],
      ['client_action_id spelled 1.0', JSON.stringify(valid()).replace('"client_action_id":1', '"client_action_id":1.0')],
      ['a client_action_id beyond int64', JSON.stringify(valid()).replace('"client_action_id":1', '"client_action_id":9223372036854775808')],
      ['an event that is not an object', valid([makeEvent(1), 'event'])],
    ])('%s', async (_case, body) => {
      const result = await push(server, owner, projectId, body);
      expectError(result, 400, 'bad_request');
    });

    it('exactly 1000 events are fine (in a project of their own)', async () => {
      const other = await createProject(server, owner);
      const result = await push(server, owner, other, valid(makeEvents(1, 1000)));
      expect(result.status).toBe(200);
      expect(result.body.accepted).toBe(1000);
      expect(result.body.acks.at(-1)).toEqual({ client_action_id: 1000, server_seq: 1000 });
    });
  });

  describe('round-trips payloads as the very JSON text the client sent', () => {
    const spellings: [string, string][] = [
      ['nested objects and arrays', '{"new_data":{"id":"td-1","tags":["a",{"deep":[[],{}]}],"empty":{}},"previous_data":{}}'],
      ['key order', '{"z":1,"a":2,"m":{"y":1,"b":2}}'],
      ['unicode, raw and escaped', '{"raw":"héllo wörld 😀 \u2028","escaped":"\\u00e9\\ud83d\\ude00","controls":"\\n\\t\\r\\b\\f\\"\\\\\\/"}'],
      ['big and oddly spelled numbers', '{"big":12345678901234567890,"one":1.0,"negzero":-0,"huge":1e400,"exp":2E-3,"neg":-0.0}'],
      ['literals', '{"t":true,"f":false,"n":null}'],
      ['an empty object', '{}'],
    ];

    it.each(spellings)('%s', async (_case, payload) => {
      const projectId = await createProject(server, owner);
      const body = `{"device_id":"d","session_id":"s","events":[{"client_action_id":1,"action_type":"create","entity_type":"issues","entity_id":"td-1","payload":${payload},"client_timestamp":"2026-01-31T08:15:02Z"}]}`;
      expect((await push(server, owner, projectId, body)).status).toBe(200);
      const pulled = await pull(server, owner, projectId);
      expect(pulled.status).toBe(200);
      expect(pulled.text).toContain(`"payload":${payload},"client_timestamp"`);
      expect(pulled.body.events[0].payload).toEqual(JSON.parse(payload));
    });

    it('keeps every payload of a batch apart, whatever the whitespace and member order', async () => {
      const projectId = await createProject(server, owner);
      const body =
        '{ "events" : [\n' +
        '  { "payload" : { "n" : 1.50 , "s" : "a\\"}" } , "client_action_id" : 1, "action_type":"create","entity_type":"issues","entity_id":"x","client_timestamp":"2026-01-31T08:15:02Z" },\n' +
        '  {"entity_id":"y","client_timestamp":"2026-01-31T08:15:02Z","action_type":"update","entity_type":"notes","client_action_id":2,"payload":{"payload":{"events":[]}}}\n' +
        '], "device_id" : "d", "session_id" : "s" }';
      expect((await push(server, owner, projectId, body)).status).toBe(200);
      const pulled = await pull(server, owner, projectId);
      expect(pulled.text).toContain('"payload":{ "n" : 1.50 , "s" : "a\\"}" },');
      expect(pulled.text).toContain('"payload":{"payload":{"events":[]}},');
    });

    it('keeps client_action_ids beyond 2^53 exact, in the ack and in a pull', async () => {
      const projectId = await createProject(server, owner);
      const body = JSON.stringify({ device_id: 'd', session_id: 's', events: [makeEvent(1)] }).replace('"client_action_id":1', '"client_action_id":9007199254740993');
      const pushed = await push(server, owner, projectId, body);
      expect(pushed.text).toBe('{"accepted":1,"acks":[{"client_action_id":9007199254740993,"server_seq":1}]}');
      expect((await pull(server, owner, projectId)).text).toContain('"client_action_id":9007199254740993,');
      expect((await push(server, owner, projectId, body)).text).toContain('"rejected":[{"client_action_id":9007199254740993,"reason":"duplicate","server_seq":1}]');
    });
  });

  it('returns client_timestamp in UTC with the precision the client sent', async () => {
    const projectId = await createProject(server, owner);
    const stamps = [
      ['2026-01-31T10:15:02.123+02:00', '2026-01-31T08:15:02.123Z'],
      ['2026-01-31T08:15:02Z', '2026-01-31T08:15:02Z'],
      ['2026-01-31T03:15:02.123456789-05:00', '2026-01-31T08:15:02.123456789Z'],
      ['2026-01-01T00:30:00.10+01:00', '2025-12-31T23:30:00.10Z'],
    ];
    const events = stamps.map(([sent], i) => makeEvent(i + 1, { client_timestamp: sent }));
    expect((await push(server, owner, projectId, { device_id: 'd', session_id: 's', events })).status).toBe(200);
    const pulled = await pull(server, owner, projectId);
    expect(pulled.body.events.map((e) => e.client_timestamp)).toEqual(stamps.map(([, stored]) => stored));
  });

  describe('authorisation', () => {
    let projectId: string;
    let reader: Caller;
    let writer: Caller;
    let stranger: Caller;

    beforeAll(async () => {
      projectId = await createProject(server, owner);
      reader = await addMember(server, owner, projectId, 'push-reader@example.com', 'reader');
      writer = await addMember(server, owner, projectId, 'push-writer@example.com', 'writer');
      stranger = await createCaller(server, 'push-stranger@example.com');
    });

    it("refuses a reader's push with 403 forbidden and stores nothing", async () => {
      expectError(await push(server, reader, projectId, { device_id: 'd', session_id: 's', events: [makeEvent(1)] }), 403, 'forbidden');
      expect((await status(projectId)).event_count).toBe(0);
    });

    it("accepts a writer's push", async () => {
      expect((await push(server, writer, projectId, { device_id: 'w', session_id: 's', events: [makeEvent(1)] })).body.accepted).toBe(1);
    });

    it('refuses a non-member with 403, a missing key with 401 and an unknown project with 404', async () => {
      const body = { device_id: 'd', session_id: 's', events: [makeEvent(1)] };
      expectError(await push(server, stranger, projectId, body), 403, 'forbidden');
      expectError(await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { body }), 401, 'unauthorized');
      expectError(await push(server, owner, 'p_0000000000000000', body), 404, 'not_found');
      expectError(await push(server, owner, 'not-a-project', body), 404, 'not_found');
    });

    it('answers 404 on every sync route once the project is deleted', async () => {
      const doomed = await createProject(server, owner);
      expect((await http(server.url, 'DELETE', `/v1/projects/${doomed}`, { apiKey: owner.apiKey })).status).toBe(204);
      expectError(await push(server, owner, doomed, { device_id: 'd', session_id: 's', events: [makeEvent(1)] }), 404, 'not_found');
      for (const route of ['pull', 'status', 'snapshot']) {
        expectError(await http(server.url, 'GET', `/v1/projects/${doomed}/sync/${route}`, { apiKey: owner.apiKey }), 404, 'not_found');
      }
    });
  });

  it('advances push_events_accepted by the accepted events only', async () => {
    const projectId = await createProject(server, owner);
    const before = (await http(server.url, 'GET', '/metricz')).body.push_events_accepted as number;
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 5) });
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: [...makeEvents(4, 4), makeEvent(9, { entity_id: '' })] });
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: [makeEvent(1, { entity_type: 'nope' })] });
    const after = (await http(server.url, 'GET', '/metricz')).body.push_events_accepted as number;
    expect(after - before).toBe(5 + 2);
  });
});
