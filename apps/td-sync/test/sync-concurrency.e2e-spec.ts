import { Caller, createCaller, TestServer } from './support/test-server';
import { addMember, createProject, makeEvents, pull, pullAll, push, PushAnswer, startSyncTestServer } from './sync-helpers';

const WRITERS = 5;
const BATCHES_PER_WRITER = 8;
const EVENTS_PER_BATCH = 100;

describe('concurrent pushes', () => {
  let server: TestServer;
  let owner: Caller;

  beforeAll(async () => {
    server = await startSyncTestServer();
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
