import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LARGE_PUSHES_AT_ONCE } from '@td-sync/sync';
import { sessionsWaitingForLock } from '@td-sync/testing';
import { Client } from 'pg';
import { expectError, http } from './support/http';
import { parsePrometheusText, sampleValue } from './support/prometheus-text';
import { addMember, createProject, makeEvent, makeEvents, pull, pullAll, push, PushAnswer, startSyncTestServer } from './support/sync';
import { Caller, createCaller, describeEachBackend, startTestServer, TestServer } from './support/test-server';

describeEachBackend('POST /v1/projects/:id/sync/push', (backend) => {
  let server: TestServer;
  let owner: Caller;

  beforeAll(async () => {
    server = await startSyncTestServer({ backend });
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

    it("answers a malformed push with the caller's 403 or 404 before its 400, so a stranger learns nothing from it", async () => {
      const malformed = { device_id: '', session_id: 's', events: [makeEvent(1)] };
      const before = (await status(projectId)).event_count;
      expectError(await push(server, stranger, projectId, malformed), 403, 'forbidden');
      expectError(await push(server, reader, projectId, malformed), 403, 'forbidden');
      expectError(await push(server, owner, 'p_0000000000000000', malformed), 404, 'not_found');
      expectError(await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey: stranger.apiKey, body: '{"events": [' }), 403, 'forbidden');
      expectError(await push(server, writer, projectId, malformed), 400, 'bad_request');
      expect((await status(projectId)).event_count).toBe(before);
    });
  });
});

const WRITERS = 5;
const BATCHES_PER_WRITER = 8;
const EVENTS_PER_BATCH = 100;

describeEachBackend('concurrent pushes', (backend) => {
  let server: TestServer;
  let owner: Caller;

  beforeAll(async () => {
    server = await startSyncTestServer({ backend });
    owner = await createCaller(server, 'concurrency-owner@example.com');
  });
  afterAll(() => server.close());

  it('from several clients at once: every ack has its own seq, no seq is skipped, each batch is one run, and all are pullable', async () => {
    const projectId = await createProject(server, owner);
    const writers = await Promise.all(
      Array.from({ length: WRITERS }, (_, w) => addMember(server, owner, projectId, `concurrent-${w}@example.com`, 'writer')),
    );

    // Readers pull from 0 while the pushes run: each must see every batch whole or not at all.
    let pushing = true;
    const snapshots: { device_id: string; client_action_id: number }[][] = [];
    const reading = (async () => {
      while (pushing) {
        const page = await pull(server, owner, projectId, 'limit=10000');
        expect(page.status).toBe(200);
        snapshots.push(page.body.events);
      }
    })();

    const requests = writers.flatMap((writer, w) =>
      Array.from({ length: BATCHES_PER_WRITER }, (_, b) =>
        push(server, writer, projectId, {
          device_id: `dev-${w}`,
          session_id: 'ses',
          events: makeEvents(b * EVENTS_PER_BATCH + 1, EVENTS_PER_BATCH),
        }).then((result) => ({ w, result })),
      ),
    );
    const answers = await Promise.all(requests);
    pushing = false;
    await reading;

    const total = WRITERS * BATCHES_PER_WRITER * EVENTS_PER_BATCH;
    const ackedSeq = new Map<string, number>();
    for (const { w, result } of answers) {
      expect(result.status).toBe(200);
      expect(result.body.accepted).toBe(EVENTS_PER_BATCH);
      const seqs = result.body.acks.map((a) => a.server_seq);
      // One transaction per batch: its seqs are one consecutive run.
      expect(seqs).toEqual(Array.from({ length: EVENTS_PER_BATCH }, (_, i) => seqs[0] + i));
      for (const ack of result.body.acks) ackedSeq.set(`dev-${w}/${ack.client_action_id}`, ack.server_seq);
    }
    expect(ackedSeq.size).toBe(total);
    expect([...ackedSeq.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    const pulled = await pullAll(server, owner, projectId, 'limit=700');
    expect(pulled).toHaveLength(total);
    for (const event of pulled) expect(ackedSeq.get(`${event.device_id}/${event.client_action_id}`)).toBe(event.server_seq);

    for (const events of snapshots) {
      const perBatch = new Map<string, number>();
      for (const e of events) {
        const batch = `${e.device_id}/${Math.floor((e.client_action_id - 1) / EVENTS_PER_BATCH)}`;
        perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
      }
      for (const count of perBatch.values()) expect(count).toBe(EVENTS_PER_BATCH);
    }
  });

  it('of the same batch at once: stored once, every copy answered with the same seqs', async () => {
    const projectId = await createProject(server, owner);
    const body = { device_id: 'retrying', session_id: 's', events: makeEvents(1, 200) };
    const answers = await Promise.all(Array.from({ length: 6 }, () => push(server, owner, projectId, body)));

    const bodies: PushAnswer[] = answers.map((a) => a.body);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const winners = bodies.filter((b) => b.accepted === 200);
    expect(winners).toHaveLength(1);
    const seqOf = new Map(winners[0].acks.map((a) => [a.client_action_id, a.server_seq]));
    for (const loser of bodies.filter((b) => b !== winners[0])) {
      expect(loser).toMatchObject({ accepted: 0, acks: [] });
      expect(loser.rejected).toHaveLength(200);
      for (const r of loser.rejected ?? []) expect({ reason: r.reason, server_seq: r.server_seq }).toEqual({ reason: 'duplicate', server_seq: seqOf.get(r.client_action_id) });
    }
    expect(await pullAll(server, owner, projectId)).toHaveLength(200);
  });

  it('to different projects at once: each project has its own sequence', async () => {
    const projects = await Promise.all(Array.from({ length: 4 }, (_, i) => createProject(server, owner, `parallel ${i}`)));
    const answers = await Promise.all(
      projects.flatMap((projectId) =>
        [1, 301, 601].map((first) => push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(first, 300) })),
      ),
    );
    expect(answers.every((a) => a.status === 200 && a.body.accepted === 300)).toBe(true);
    for (const projectId of projects) {
      const events = await pullAll(server, owner, projectId);
      expect(events.map((e) => e.server_seq)).toEqual(Array.from({ length: 900 }, (_, i) => i + 1));
    }
  });
});

/** A server on a data directory this spec owns, so it can be stopped and started again on the same files. */
function serverOn(dataDir: string): Promise<TestServer> {
  return startTestServer({ SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_PULL: '0' }, { dataDir });
}

describe('durability of an acknowledged push', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'td-sync-durability-'));
  const copyDir = mkdtempSync(join(tmpdir(), 'td-sync-crash-copy-'));
  let server: TestServer;
  let owner: Caller;
  let projectId: string;

  beforeAll(async () => {
    server = await serverOn(dataDir);
    owner = await createCaller(server, 'durable@example.com');
    projectId = await createProject(server, owner);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(copyDir, { recursive: true, force: true });
  });

  it('is in the database files on disk the moment the 200 is sent, before any checkpoint or shutdown', async () => {
    const result = await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 300) });
    expect(result.status).toBe(200);

    // What a process killed right now would leave behind: the database and its WAL as they are on disk.
    const source = join(dataDir, 'projects', projectId, 'events.db');
    copyFileSync(source, join(copyDir, 'events.db'));
    if (existsSync(`${source}-wal`)) copyFileSync(`${source}-wal`, join(copyDir, 'events.db-wal'));
    const copy = new Database(join(copyDir, 'events.db'));
    try {
      expect(copy.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(300);
      expect(copy.prepare('SELECT payload FROM events WHERE server_seq = 300').pluck().get()).toBe(JSON.stringify(makeEvents(300, 1)[0].payload));
    } finally {
      copy.close();
    }
  });

  it('survives a restart, and server_seq carries on where it stopped', async () => {
    await server.close();
    server = await serverOn(dataDir);
    expect(await pullAll(server, owner, projectId)).toHaveLength(300);
    const more = await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(301, 2) });
    expect(more.body.acks.map((a) => a.server_seq)).toEqual([301, 302]);
    const again = await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 1) });
    expect(again.body.rejected).toEqual([{ client_action_id: 1, reason: 'duplicate', server_seq: 1 }]);
  });
});

/** PostgreSQL mode: roles and projects are read from the database on every push, so a change through one node holds on another at once. */
describe('push authorisation across nodes (postgres)', () => {
  let nodeA: TestServer;
  let nodeB: TestServer;

  beforeAll(async () => {
    nodeA = await startSyncTestServer({ backend: 'postgres' });
    nodeB = await startSyncTestServer({ backend: 'postgres', database: nodeA.database });
  });
  afterAll(async () => {
    await nodeB.close();
    await nodeA.close();
  });

  it('refuses a writer demoted through node A on node B the moment the demotion is answered, and a deleted project likewise', async () => {
    const owner = await createCaller(nodeA, 'nodes-owner@example.com');
    const projectId = await createProject(nodeA, owner);
    const writer = await addMember(nodeA, owner, projectId, 'nodes-writer@example.com', 'writer');
    expect((await push(nodeB, writer, projectId, { device_id: 'w', session_id: 's', events: [makeEvent(1)] })).status).toBe(200);

    const demoted = await http(nodeA.url, 'PATCH', `/v1/projects/${projectId}/members/${writer.userId}`, { apiKey: owner.apiKey, body: { role: 'reader' } });
    expect(demoted.status).toBe(200);
    expectError(await push(nodeB, writer, projectId, { device_id: 'w', session_id: 's', events: [makeEvent(2)] }), 403, 'forbidden');

    expect((await http(nodeB.url, 'DELETE', `/v1/projects/${projectId}`, { apiKey: owner.apiKey })).status).toBe(204);
    expectError(await push(nodeA, owner, projectId, { device_id: 'o', session_id: 's', events: [makeEvent(1)] }), 404, 'not_found');
    expectError(await pull(nodeA, owner, projectId), 404, 'not_found');
  });

  it('numbers pushes through both nodes in one sequence per project', async () => {
    const owner = await createCaller(nodeA, 'nodes-seq@example.com');
    const projectId = await createProject(nodeB, owner);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => push(i % 2 ? nodeA : nodeB, owner, projectId, { device_id: `d${i}`, session_id: 's', events: makeEvents(1, 50) })),
    );
    const seqs = answers.flatMap((answer) => answer.body.acks.map((ack) => ack.server_seq)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    const [statusA, statusB] = await Promise.all(
      [nodeA, nodeB].map(async (node) => (await http(node.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: owner.apiKey })).body),
    );
    expect(statusA).toEqual(statusB);
    expect(statusA).toMatchObject({ event_count: 500, last_server_seq: 500 });
  });
});

/**
 * Large pushes take turns (LargePushGate): LARGE_PUSHES_AT_ONCE of 64 KiB or
 * more are validated and stored at once, and the others wait, read, for a turn, so
 * that a crowd of 1000-event batches is not all in memory as objects at
 * once. PostgreSQL mode makes it visible from outside: a transaction holding
 * the project's counter row keeps the pushes in progress waiting at its lock,
 * where pg_stat_activity counts them.
 */
describe('large pushes take turns (postgres)', () => {
  let server: TestServer;
  let locker: Client;

  beforeAll(async () => {
    server = await startSyncTestServer({ backend: 'postgres' });
    locker = new Client({ connectionString: server.database!.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.end();
    await server.close();
  });

  /** Resolves once `count` sessions of the server's database wait for a lock. */
  async function lockWaiters(count: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const waiting = await sessionsWaitingForLock(server.database!.name);
      if (waiting === count) return;
      if (waiting > count || attempt === 500) throw new Error(`${waiting} sessions wait for a lock, expected ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async function largePushesWaiting(): Promise<number> {
    const metrics = await http<string>(server.url, 'GET', '/metrics');
    return sampleValue(parsePrometheusText(metrics.text), 'td_sync_large_pushes_waiting');
  }

  it('stores LARGE_PUSHES_AT_ONCE large pushes at once while the next waits for a turn, lets a small push by, and answers all', async () => {
    const owner = await createCaller(server, 'large-turns@example.com');
    const projectId = await createProject(server, owner);
    const large = (device: string) => ({ device_id: device, session_id: 's', events: makeEvents(1, 120, { payload: { title: 'x'.repeat(700) } }) });
    expect(Buffer.byteLength(JSON.stringify(large('d0')))).toBeGreaterThan(80 * 1024);
    expect(await largePushesWaiting()).toBe(0);

    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM project_seqs WHERE project_id = $1 FOR UPDATE', [projectId]);
    const devices = Array.from({ length: LARGE_PUSHES_AT_ONCE + 1 }, (_, i) => `d${i}`);
    const answers = devices.map((device) => push(server, owner, projectId, large(device)));
    await lockWaiters(LARGE_PUSHES_AT_ONCE);
    for (let attempt = 0; (await largePushesWaiting()) !== 1; attempt++) {
      if (attempt === 200) throw new Error('the last large push never waited for its turn');
    }
    const small = push(server, owner, projectId, { device_id: 'small', session_id: 's', events: makeEvents(1, 1) });
    await lockWaiters(LARGE_PUSHES_AT_ONCE + 1);
    // Still the same large pushes at the lock and one in line: the line held the last all along.
    expect(await largePushesWaiting()).toBe(1);

    await locker.query('COMMIT');
    const results = await Promise.all([...answers, small]);
    expect(results.map((result) => [result.status, result.body.accepted])).toEqual([...devices.map(() => [200, 120]), [200, 1]]);
    const seqs = results.flatMap((result) => result.body.acks.map((ack) => ack.server_seq)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: devices.length * 120 + 1 }, (_, i) => i + 1));
    expect(await largePushesWaiting()).toBe(0);
  });
});
