import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { expectError, http } from '../support/http';
import { loginViaUserCode, LoggedIn } from '../support/login';
import { eventsPartitionsWanted, migrateWithPartitionedEvents } from '../support/partitioned-events';
import { PushingClient, PushLedger, SentEvent } from '../support/push-fleet';
import { Random } from '../support/random';
import { spawnServer, SpawnedServer } from '../support/spawned-server';
import { runTdSync } from '../support/td-sync-command';
import type { PullAnswer, PulledEvent } from '../support/sync';

/**
 * Issue 13, several stateless nodes on one PostgreSQL database: three built
 * server processes share an embedded PostgreSQL database. Clients push
 * through different nodes while others pull page by page through every node
 * in turn; one node is SIGKILLed mid-run and its clients carry on through
 * the others, re-sending what got no answer. Then the database, every
 * puller and every node must agree on one history per project, and a change
 * of access made through one node must hold on the others at once.
 *
 * Counts are fixed (no timing is asserted); a busy CI machine only runs it slower.
 */

const NODES = 3;
const PUSHERS = 6;
const BATCHES_PER_PUSHER = 20;
const PULLERS_PER_PROJECT = 2;
/** The node killed, once one of its clients has a third of its batches answered. */
const KILLED = 2;
const KILL_AFTER_BATCHES = Math.floor(BATCHES_PER_PUSHER / 3);
/** A batch is re-sent at most this often before the spec gives up on it. */
const MAX_ATTEMPTS = 10;

const NODE_ENV = {
  SYNC_RATE_LIMIT_AUTH: '0',
  SYNC_RATE_LIMIT_PUSH: '0',
  SYNC_RATE_LIMIT_PULL: '0',
  SYNC_RATE_LIMIT_OTHER: '0',
  SYNC_CODE_LOGIN: 'direct', // loginViaUserCode: the code alone logs in
  SYNC_DATABASE_POOL_SIZE: '5',
};

/** One history per project, as the database holds it. */
interface StoredEvent {
  server_seq: number;
  key: string;
  payload: string;
}

interface Puller {
  name: string;
  apiKey: string;
  projectId: string;
  /** Every event it pulled, in order. */
  events: PulledEvent[];
  pages: number;
}

describe('several nodes on one PostgreSQL database (built servers, one SIGKILLed under load)', () => {
  let database: TestDatabase;
  const nodes: SpawnedServer[] = [];
  const dataDirs: string[] = [];

  const startNode = async (index: number): Promise<SpawnedServer> => {
    const dataDir = mkdtempSync(join(tmpdir(), `td-sync-node-${index}-`));
    dataDirs.push(dataDir);
    const node = await spawnServer({ dataDir, env: { ...NODE_ENV, SYNC_DATABASE_URL: database.url } });
    nodes[index] = node;
    return node;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const partitions = eventsPartitionsWanted();
    if (partitions) await migrateWithPartitionedEvents(database.url, partitions, NODE_ENV);
    // Started together: migrations run under a lock, so the three do not race.
    await Promise.all(Array.from({ length: NODES }, (_, i) => startNode(i)));
  }, 120_000);

  afterAll(async () => {
    for (const node of nodes) {
      if (node && node.process.exitCode === null && node.process.signalCode === null) node.process.kill('SIGKILL');
      await node?.exited;
    }
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  });

  it('keeps one gapless history per project through a SIGKILLed node, agrees on every node, and enforces access changes everywhere at once', async () => {
    const rng = new Random();
    const ledger = new PushLedger(rng);
    const alive = Array.from({ length: NODES }, () => true);
    const url = (index: number) => nodes[index].url;
    /** The next live node after `index`, round the ring. */
    const liveAfter = (index: number) => {
      for (let step = 1; step <= NODES; step++) if (alive[(index + step) % NODES]) return (index + step) % NODES;
      throw new Error('no live node');
    };

    // Users log in, and the projects and memberships are made, through different nodes.
    const owner = await loginViaUserCode(nodes[0], 'owner@example.com');
    const writer = await loginViaUserCode(nodes[1], 'writer@example.com');
    const reader = await loginViaUserCode(nodes[2], 'reader@example.com');
    const projects: string[] = [];
    for (const [i, name] of ['alpha', 'beta'].entries()) {
      const created = await http<{ id: string }>(url(i), 'POST', '/v1/projects', { apiKey: owner.apiKey, body: { name } });
      expect(created.status).toBe(201);
      projects.push(created.body.id);
      for (const [member, role] of [[writer, 'writer'], [reader, 'reader']] as const) {
        const added = await http(url((i + 1) % NODES), 'POST', `/v1/projects/${created.body.id}/members`, { apiKey: owner.apiKey, body: { email: member.email, role } });
        expect(added.status).toBe(201);
      }
    }

    const clients = Array.from(
      { length: PUSHERS },
      (_, i): PushingClient => ({
        name: `c${i}`,
        apiKey: (i % 2 === 0 ? owner : writer).apiKey,
        projectId: projects[i % 2],
        deviceId: `device-${i}`,
        sessionId: `session-${i}`,
        nextActionId: 1,
        unanswered: [],
      }),
    );
    /** Every batch acknowledged, with the node that answered it. */
    const acked: Array<{ client: PushingClient; batch: SentEvent[]; node: number }> = [];
    let retriedOnAnotherNode = 0;
    let retriesAnsweredAsDuplicates = 0;
    const failuresOnLiveNodes: string[] = [];

    // Pullers wait for the next answered push instead of polling an idle log.
    let pushesSettled = false;
    let wakePullers: () => void = () => undefined;
    let nextPush = new Promise<void>((resolve) => (wakePullers = resolve));
    const pushAnswered = () => {
      wakePullers();
      nextPush = new Promise<void>((resolve) => (wakePullers = resolve));
    };

    let killed: Promise<void> | undefined;
    const killOnce = () => {
      killed ??= (async () => {
        alive[KILLED] = false;
        nodes[KILLED].process.kill('SIGKILL');
        expect(await nodes[KILLED].exited).toBe('SIGKILL');
      })();
      return killed;
    };

    /**
     * A client keeps to its node until a request to it fails, then moves to
     * the next live one and sends the same batch again, as td would after a
     * load balancer took the node out. The node is killed once one of its
     * own clients is a third through its batches, so that client certainly
     * finds it dead.
     */
    const runPusher = async (client: PushingClient, home: number) => {
      let node = home;
      for (let b = 0; b < BATCHES_PER_PUSHER; b++) {
        const batch = ledger.nextBatch(client);
        for (let attempt = 1; ; attempt++) {
          const answer = await ledger.send(url(node), client, batch);
          if (answer) {
            acked.push({ client, batch, node });
            if (attempt > 1) {
              retriedOnAnotherNode++;
              // A batch is one transaction: the dead node committed all of it (now duplicates) or none.
              if (answer.duplicates === batch.length) retriesAnsweredAsDuplicates++;
              else if (answer.duplicates !== 0) ledger.problem(`a retried batch of ${batch.length} came back with ${answer.duplicates} duplicates`);
            }
            pushAnswered();
            break;
          }
          if (alive[node]) failuresOnLiveNodes.push(`${client.name} batch ${b} through node ${node}`);
          if (attempt === MAX_ATTEMPTS) throw new Error(`${client.name}: a batch got no answer in ${MAX_ATTEMPTS} attempts`);
          node = liveAfter(node);
        }
        if (home === KILLED && b + 1 === KILL_AFTER_BATCHES) void killOnce();
      }
    };

    const runPuller = async (puller: Puller, firstNode: number) => {
      let after = 0;
      for (let turn = firstNode; ; turn++) {
        const settledBefore = pushesSettled;
        const woken = nextPush;
        const node = alive[turn % NODES] ? turn % NODES : liveAfter(turn % NODES);
        const limit = rng.int(1, 40);
        let page: { status: number; body: PullAnswer };
        try {
          page = await http<PullAnswer>(url(node), 'GET', `/v1/projects/${puller.projectId}/sync/pull?after_server_seq=${after}&limit=${limit}`, { apiKey: puller.apiKey });
        } catch (error) {
          if (alive[node]) failuresOnLiveNodes.push(`${puller.name} pulling through node ${node}: ${(error as Error).message}`);
          continue;
        }
        if (page.status !== 200) {
          ledger.problem(`${puller.name}: pull through node ${node} answered ${page.status}`);
          return;
        }
        puller.pages++;
        const { events, last_server_seq: last, has_more: hasMore } = page.body;
        events.forEach((event, i) => {
          if (event.server_seq !== after + i + 1) ledger.problem(`${puller.name} got seq ${event.server_seq} after ${after + i} through node ${node}: skipped or repeated`);
        });
        if (events.length > limit) ledger.problem(`${puller.name}: a page of ${events.length} events for limit ${limit}`);
        if (last !== (events.at(-1)?.server_seq ?? after)) ledger.problem(`${puller.name}: last_server_seq ${last} does not end the page`);
        puller.events.push(...events);
        after = last;
        if (hasMore) continue;
        if (settledBefore) return;
        await Promise.race([woken, pushing]);
      }
    };

    const pushing = Promise.all(clients.map((client, i) => runPusher(client, i % NODES))).then(() => {
      pushesSettled = true;
    });
    const pullers: Puller[] = projects.flatMap((projectId, p) =>
      Array.from({ length: PULLERS_PER_PROJECT }, (_, i) => ({ name: `puller-${p}-${i}`, apiKey: (i === 0 ? reader : owner).apiKey, projectId, events: [], pages: 0 })),
    );
    const pulling = Promise.all(pullers.map((puller, i) => runPuller(puller, i % NODES)));
    await Promise.all([pushing, pulling]);
    await killed;

    expect(killed).toBeDefined();
    expect(failuresOnLiveNodes).toEqual([]);
    // The killed node's clients did carry on elsewhere.
    expect(retriedOnAnotherNode).toBeGreaterThan(0);
    process.stdout.write(
      `multi-node: ${ledger.sent.size} events in ${acked.length} batches, ${retriedOnAnotherNode} batches retried after the kill ` +
        `(${retriesAnsweredAsDuplicates} had been committed), ${pullers.reduce((n, p) => n + p.pages, 0)} pull pages (seed ${rng.seed})\n`,
    );

    // Every acknowledged event is stored once, at the seq it was acknowledged with, byte for byte; seqs run 1..n.
    const stored = await storedEvents(database, projects);
    for (const projectId of projects) {
      const history = stored.get(projectId)!;
      history.forEach((event, i) => {
        if (event.server_seq !== i + 1) ledger.problem(`${projectId}: row ${i} has seq ${event.server_seq}`);
        const sent = ledger.sent.get(event.key);
        if (!sent) ledger.problem(`${projectId} holds an event nobody sent: ${event.key}`);
        else if (sent.payload !== event.payload) ledger.problem(`${event.key} is stored with other payload bytes`);
        if (ledger.seqOf.get(event.key) !== event.server_seq) ledger.problem(`${event.key} is at ${event.server_seq}, acknowledged as ${ledger.seqOf.get(event.key)}`);
      });
      if (new Set(history.map((e) => e.key)).size !== history.length) ledger.problem(`${projectId} stores an event twice`);
    }
    expect([...stored.values()].reduce((n, history) => n + history.length, 0)).toBe(ledger.sent.size);
    expect(ledger.seqOf.size).toBe(ledger.sent.size);

    // Every puller saw exactly that history, in order.
    for (const puller of pullers) {
      const history = stored.get(puller.projectId)!;
      expect({ puller: puller.name, seqs: puller.events.map((e) => e.server_seq) }).toEqual({ puller: puller.name, seqs: history.map((e) => e.server_seq) });
      puller.events.forEach((event, i) => {
        const key = `${puller.projectId}|${event.device_id}|${event.session_id}|${event.client_action_id}`;
        if (key !== history[i].key) ledger.problem(`${puller.name} got ${key} at seq ${event.server_seq}, the database has ${history[i].key}`);
        else if (JSON.stringify(event.payload) !== JSON.stringify(JSON.parse(ledger.sent.get(key)!.payload))) ledger.problem(`${puller.name} got another payload for ${key}`);
      });
    }
    expect(ledger.problems).toEqual([]);

    // The killed node comes back as a new process on the same database; status agrees on every node.
    await startNode(KILLED);
    alive[KILLED] = true;
    for (const projectId of projects) {
      const answers = await Promise.all(nodes.map((node) => http(node.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: reader.apiKey })));
      const history = stored.get(projectId)!;
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({ event_count: history.length, last_server_seq: history.length, last_event_time: expect.any(String) });
      }
      expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    }

    // A batch sent again through a node that did not acknowledge it: duplicates, each with its original seq.
    const resent = acked.filter((_, i) => i % 10 === 0);
    for (const [i, { client, batch, node }] of resent.entries()) {
      const other = (node + 1 + (i % (NODES - 1))) % NODES;
      expect(await ledger.send(url(other), client, batch)).toEqual({ acked: 0, duplicates: batch.length });
    }
    expect(ledger.problems).toEqual([]);

    await expectAccessChangesHoldEverywhere(url, projects, { owner, writer, reader }, stored, database, dataDirs[0]);
  }, 300_000);
});

/** The display prefix of a key (the first 8 characters after `td_live_`), by which the operator names it. */
const displayPrefix = (apiKey: string) => apiKey.slice('td_live_'.length, 'td_live_'.length + 8);

/** Every event of the projects as the database holds them, in seq order. */
async function storedEvents(database: TestDatabase, projects: string[]): Promise<Map<string, StoredEvent[]>> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const histories = new Map<string, StoredEvent[]>();
    for (const projectId of projects) {
      const { rows } = await client.query<{ server_seq: string; device_id: string; session_id: string; client_action_id: string; payload: string }>(
        'SELECT server_seq, device_id, session_id, client_action_id, payload FROM events WHERE project_id = $1 ORDER BY server_seq',
        [projectId],
      );
      histories.set(
        projectId,
        rows.map((row) => ({ server_seq: Number(row.server_seq), key: `${projectId}|${row.device_id}|${row.session_id}|${row.client_action_id}`, payload: row.payload })),
      );
    }
    return histories;
  } finally {
    await client.end();
  }
}

/**
 * A demotion, a revoked key and a deleted project, each made through one
 * node, hold on the next request through the other nodes: nothing of it is
 * remembered by a node. The next push of a live project continues its seqs.
 */
async function expectAccessChangesHoldEverywhere(
  url: (index: number) => string,
  projects: string[],
  users: { owner: LoggedIn; writer: LoggedIn; reader: LoggedIn },
  stored: Map<string, StoredEvent[]>,
  database: TestDatabase,
  operatorDir: string,
): Promise<void> {
  const { owner, writer, reader } = users;
  const [alpha, beta] = projects;
  const oneEvent = (device: string, id: number) => ({
    device_id: device,
    session_id: 'after',
    events: [{ client_action_id: id, action_type: 'create', entity_type: 'issues', entity_id: `td-after-${id}`, payload: { n: id }, client_timestamp: '2026-01-31T08:15:02Z' }],
  });
  const pushThrough = (node: number, user: LoggedIn, projectId: string, id: number) =>
    http<{ acks: Array<{ server_seq: number }> }>(url(node), 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey: user.apiKey, body: oneEvent(`dev-${user.userId}`, id) });

  // Cursors continue: the next push through any node gets the next seq.
  const next = await pushThrough(1, writer, beta, 1);
  expect(next.status).toBe(200);
  expect(next.body.acks[0].server_seq).toBe(stored.get(beta)!.length + 1);

  // Demoted through node 0: the next push through node 1, and node 2, is refused; reading still works.
  const demoted = await http(url(0), 'PATCH', `/v1/projects/${alpha}/members/${writer.userId}`, { apiKey: owner.apiKey, body: { role: 'reader' } });
  expect(demoted.status).toBe(200);
  expectError(await pushThrough(1, writer, alpha, 2), 403, 'forbidden');
  expectError(await pushThrough(2, writer, alpha, 3), 403, 'forbidden');
  expect((await http(url(2), 'GET', `/v1/projects/${alpha}/sync/pull?after_server_seq=0&limit=1`, { apiKey: writer.apiKey })).status).toBe(200);

  // The reader's key revoked by the operator's command: refused by every node at once.
  expect((await http(url(1), 'GET', `/v1/projects/${beta}/sync/status`, { apiKey: reader.apiKey })).status).toBe(200);
  const revoked = await runTdSync(operatorDir, ['keys', 'revoke', displayPrefix(reader.apiKey)], { SYNC_DATABASE_URL: database.url });
  expect({ code: revoked.code, stderr: revoked.stderr }).toEqual({ code: 0, stderr: '' });
  for (let node = 0; node < NODES; node++) {
    expectError(await http(url(node), 'GET', `/v1/projects/${beta}/sync/status`, { apiKey: reader.apiKey }), 401, 'unauthorized');
  }

  // Deleted through node 1: 404 through nodes 0 and 2, for push, pull and status alike.
  expect((await http(url(1), 'DELETE', `/v1/projects/${beta}`, { apiKey: owner.apiKey })).status).toBe(204);
  expectError(await pushThrough(0, owner, beta, 4), 404, 'not_found');
  expectError(await http(url(2), 'GET', `/v1/projects/${beta}/sync/pull`, { apiKey: owner.apiKey }), 404, 'not_found');
  expectError(await http(url(0), 'GET', `/v1/projects/${beta}/sync/status`, { apiKey: owner.apiKey }), 404, 'not_found');
}
