import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { allDatabases, integrityCheck, storedEvents } from '../support/database-files';
import { expectError, http, HttpResult } from '../support/http';
import { Random } from '../support/random';
import { Caller, createCaller, startTestServer, TestServer } from '../support/test-server';
import { addMember, createProject, makeEvents, pull, pullAll, push, PushAnswer } from '../support/sync';

/**
 * Issue 9, concurrency: many clients on one project and on many projects at
 * once, with fewer project databases allowed open than projects in use, so
 * databases are closed and reopened under the requests; project creation
 * racing the first pushes; a member removed and a project deleted while their
 * requests are in flight.
 */

/** Rate limits off: these specs send far more than a minute's budget on purpose. */
const UNLIMITED = { SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_PULL: '0', SYNC_RATE_LIMIT_OTHER: '0' };

describe('concurrency with project databases opened and closed under load', () => {
  let server: TestServer;
  let owner: Caller;
  const rng = new Random();

  beforeAll(async () => {
    server = await startTestServer({ ...UNLIMITED, SYNC_MAX_OPEN_PROJECTS: '2' });
    owner = await createCaller(server, 'concurrency-owner@example.com');
  });
  afterAll(() => server.close());

  /** Seqs 1..n in order, each batch one consecutive run, every ack pullable at its seq. */
  async function expectConsistentLog(projectId: string, answers: Array<{ device: string; result: HttpResult<PushAnswer> }>): Promise<number> {
    const acked = new Map<string, number>();
    for (const { device, result } of answers) {
      expect(result.status).toBe(200);
      const seqs = result.body.acks.map((a) => a.server_seq);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
      for (const ack of result.body.acks) acked.set(`${device}/${ack.client_action_id}`, ack.server_seq);
    }
    const pulled = await pullAll(server, owner, projectId, 'limit=10000');
    expect(pulled.map((e) => e.server_seq)).toEqual(pulled.map((_, i) => i + 1));
    expect(pulled).toHaveLength(acked.size);
    for (const event of pulled) expect(acked.get(`${event.device_id}/${event.client_action_id}`)).toBe(event.server_seq);
    return pulled.length;
  }

  it('serves 20 clients on one project and 3 clients on each of 10 more at once, with 2 databases open at a time', async () => {
    const hot = await createProject(server, owner, 'hot');
    const others = await Promise.all(Array.from({ length: 10 }, (_, i) => createProject(server, owner, `p${i}`)));
    const writer = await addMember(server, owner, hot, 'hot-writer@example.com', 'writer');
    for (const projectId of others) {
      const added = await http(server.url, 'POST', `/v1/projects/${projectId}/members`, { apiKey: owner.apiKey, body: { email: writer.email, role: 'writer' } });
      expect(added.status).toBe(201);
    }

    // Readers keep pulling every project while the pushes run: no page may fail.
    let pushing = true;
    const readFailures: number[] = [];
    const readers = Array.from({ length: 3 }, async () => {
      while (pushing) {
        const projectId = rng.pick([hot, ...others]);
        const page = await pull(server, owner, projectId, 'limit=500');
        if (page.status !== 200) readFailures.push(page.status);
      }
    });

    const pushesTo = (projectId: string, clients: number, batches: number, size: number) =>
      Array.from({ length: clients }, (_, c) =>
        (async () => {
          const answers: Array<{ device: string; result: HttpResult<PushAnswer> }> = [];
          for (let b = 0; b < batches; b++) {
            const device = `dev-${c}`;
            const result = await push(server, c % 2 ? writer : owner, projectId, { device_id: device, session_id: 's', events: makeEvents(b * size + 1, size) });
            answers.push({ device, result });
          }
          return answers;
        })(),
      );
    const hotAnswers = Promise.all(pushesTo(hot, 20, 5, 10)).then((a) => a.flat());
    const otherAnswers = others.map((projectId) => Promise.all(pushesTo(projectId, 3, 4, 25)).then((a) => a.flat()));
    const [hotResults, ...otherResults] = await Promise.all([hotAnswers, ...otherAnswers]);
    pushing = false;
    await Promise.all(readers);

    expect(readFailures).toEqual([]);
    expect(await expectConsistentLog(hot, hotResults)).toBe(20 * 5 * 10);
    for (let i = 0; i < others.length; i++) expect(await expectConsistentLog(others[i], otherResults[i])).toBe(3 * 4 * 25);
    for (const path of allDatabases(server.dataDir)) expect(integrityCheck(path)).toBe('ok');
  });

  it('lets 20 users create projects at once and push to each the moment it exists', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => createCaller(server, `creator-${i}@example.com`)));
    const outcomes = await Promise.all(
      users.map(async (user) => {
        const created = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey: user.apiKey, body: { name: 'raced' } });
        expect(created.status).toBe(201);
        const projectId = created.body.id;
        // First push and first pull race each other and the other creations.
        const [pushed, pulled] = await Promise.all([
          push(server, user, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 5) }),
          http(server.url, 'GET', `/v1/projects/${projectId}/sync/pull`, { apiKey: user.apiKey }),
        ]);
        return { projectId, pushed, pulled };
      }),
    );
    for (const { projectId, pushed, pulled } of outcomes) {
      expect(pushed.status).toBe(200);
      expect(pushed.body.acks.map((a) => a.server_seq)).toEqual([1, 2, 3, 4, 5]);
      // A pull that ran before the push saw nothing, one after it all five: never part.
      expect(pulled.status).toBe(200);
      expect([0, 5]).toContain((pulled.body as { events: unknown[] }).events.length);
      expect(storedEvents(server.dataDir, projectId)).toHaveLength(5);
    }
    // Every project directory belongs to a project row, and every project has its database.
    const directories = readdirSync(join(server.dataDir, 'projects'));
    for (const { projectId } of outcomes) expect(directories).toContain(projectId);
    for (const dir of directories) expect(existsSync(join(server.dataDir, 'projects', dir, 'events.db'))).toBe(true);
  });
});

/**
 * The instant a change of membership or a deletion commits is not visible
 * from outside, but its answer is: [sentAt, answeredAt] brackets it. An event
 * whose server_timestamp is after answeredAt was appended after the change, so
 * it must not exist; pushes sent after the answer must be refused.
 */
describe('access taken away while requests are in flight', () => {
  let server: TestServer;
  let owner: Caller;

  beforeAll(async () => {
    // One open database at a time: every request to a project reopens it, the
    // slowest path from the role check to the append.
    server = await startTestServer({ ...UNLIMITED, SYNC_MAX_OPEN_PROJECTS: '1' });
    owner = await createCaller(server, 'access-owner@example.com');
  });
  afterAll(() => server.close());

  it('a member removed while their pushes are in flight: afterwards 403, and nothing of theirs applied after the removal', async () => {
    const rng = new Random();
    const projectId = await createProject(server, owner, 'removal');
    const elsewhere = await createProject(server, owner, 'elsewhere');
    let actionId = 0;
    const problems: string[] = [];

    for (let round = 0; round < 12; round++) {
      const writer = await addMember(server, owner, projectId, `removed-${round}-${rng.seed}@example.com`, 'writer');
      const device = `removed-${round}`;
      // Six streams of pushes from the member, and one of pulls elsewhere that keeps evicting this project's database.
      const results: Array<{ ids: number[]; result: HttpResult<PushAnswer> }> = [];
      let stopped = false;
      let answered = 0;
      const streams = Array.from({ length: 7 }, (_, s) =>
        (async () => {
          while (!stopped) {
            if (s === 6) {
              await pull(server, owner, elsewhere);
              continue;
            }
            const ids = [++actionId, ++actionId];
            const result = await push(server, writer, projectId, { device_id: device, session_id: 's', events: ids.map((id) => makeEvents(id, 1)[0]) });
            results.push({ ids, result });
            answered++;
          }
        })(),
      );
      const removeAfter = rng.int(5, 40);
      while (answered < removeAfter) await pull(server, owner, elsewhere);

      const removed = await http(server.url, 'DELETE', `/v1/projects/${projectId}/members/${writer.userId}`, { apiKey: owner.apiKey });
      const answeredAt = new Date().toISOString();
      expect(removed.status).toBe(204);
      stopped = true;
      await Promise.all(streams);

      const after = await push(server, writer, projectId, { device_id: device, session_id: 's', events: makeEvents(++actionId, 1) });
      expectError(after, 403, 'forbidden');

      // Each push in flight was applied whole and acknowledged, or refused and left nothing.
      const stored = storedEvents(server.dataDir, projectId).filter((e) => e.device_id === device);
      const storedIds = new Set(stored.map((e) => Number(e.client_action_id)));
      for (const { ids, result } of results) {
        if (result.status === 200) {
          if (!ids.every((id) => storedIds.has(id))) problems.push(`acknowledged push ${ids} is not stored`);
        } else {
          if (result.status !== 403) problems.push(`push in flight answered ${result.status}`);
          if (ids.some((id) => storedIds.has(id))) problems.push(`refused push ${ids} was applied`);
        }
      }
      const late = stored.filter((e) => e.server_timestamp > answeredAt);
      if (late.length > 0) problems.push(`round ${round}: ${late.length} events appended after the removal was answered`);
    }
    expect(problems).toEqual([]);
  });

  it('a project deleted while pulls and pushes run: afterwards 404 on every sync route, no 5xx, nothing applied after, its events kept', async () => {
    const rng = new Random();
    const elsewhere = await createProject(server, owner, 'bystander');
    const problems: string[] = [];
    let actionId = 1000;

    for (let round = 0; round < 8; round++) {
      const projectId = await createProject(server, owner, `doomed-${round}`);
      const seeded = await push(server, owner, projectId, { device_id: 'seed', session_id: 's', events: makeEvents(1, 200) });
      expect(seeded.status).toBe(200);

      // Three streams push, two pull pages of the project, one keeps evicting its database.
      let running = true;
      const statuses: number[] = [];
      const streams = Array.from({ length: 6 }, (_, s) =>
        (async () => {
          while (running) {
            if (s === 5) {
              await pull(server, owner, elsewhere);
            } else if (s < 3) {
              statuses.push((await push(server, owner, projectId, { device_id: 'late', session_id: 's', events: makeEvents(++actionId, 2) })).status);
            } else {
              const page = await pull(server, owner, projectId, `after_server_seq=${s * 40}&limit=100`);
              statuses.push(page.status);
              // A page served while the deletion happens is still a whole, consistent page.
              if (page.status === 200 && page.body.events.some((e, k) => e.server_seq !== s * 40 + 1 + k)) problems.push('inconsistent page');
            }
          }
        })(),
      );
      const deleteAfter = rng.int(5, 40);
      while (statuses.length < deleteAfter) await pull(server, owner, elsewhere);

      const deleted = await http(server.url, 'DELETE', `/v1/projects/${projectId}`, { apiKey: owner.apiKey });
      const answeredAt = new Date().toISOString();
      expect(deleted.status).toBe(204);
      running = false;
      await Promise.all(streams);

      const unexpected = statuses.filter((status) => status !== 200 && status !== 404);
      if (unexpected.length > 0) problems.push(`round ${round}: answers ${unexpected}`);
      for (const route of ['pull', 'status', 'snapshot']) {
        expectError(await http(server.url, 'GET', `/v1/projects/${projectId}/sync/${route}`, { apiKey: owner.apiKey }), 404, 'not_found');
      }
      expectError(await push(server, owner, projectId, { device_id: 'late', session_id: 's', events: makeEvents(++actionId, 1) }), 404, 'not_found');
      const stored = storedEvents(server.dataDir, projectId);
      expect(stored.filter((e) => e.device_id === 'seed')).toHaveLength(200);
      const late = stored.filter((e) => e.server_timestamp > answeredAt);
      if (late.length > 0) problems.push(`round ${round}: ${late.length} events appended after the deletion was answered`);
    }
    expect(problems).toEqual([]);
    expect((await pull(server, owner, elsewhere)).status).toBe(200);
  });
});
