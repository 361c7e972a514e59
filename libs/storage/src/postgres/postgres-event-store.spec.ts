import { Logger } from '@nestjs/common';
import { createTestDatabase, sessionsWaitingForLock, TestDatabase } from '@td-sync/testing';
import { Client } from 'pg';
import { isUtf8 } from 'node:buffer';
import type { ProjectRole } from '../records/membership';
import type { AccessDecision } from '../repositories/access-decision';
import { EventPage, PAGE_BYTE_BUDGET, PushBatch, PushEvent, PushOutcome, StoredEvent } from '../repositories/event-store';
import type { StorageBackend } from '../storage-backend';
import type { QueryRunner } from 'typeorm';
import { ProjectDevices1764100000004 } from './migrations/1764100000004-project-devices';
import { openPostgresBackend } from './postgres-backend';

class Refused extends Error {}

/** A rule of the shape ProjectAccess hands to storage (the real one lives in libs/projects). */
function atLeast(required: 'reader' | 'writer'): AccessDecision {
  const allowed: ProjectRole[] = required === 'reader' ? ['reader', 'writer', 'owner'] : ['writer', 'owner'];
  return (live, role) => {
    if (!live) throw new Refused('project not found');
    if (role === null || !allowed.includes(role)) throw new Refused(`requires ${required}`);
  };
}

const TIME = '2026-01-31T08:15:02.000Z';
const OWNER = 'u_00000000000000aa';
const MEMBER = 'u_00000000000000bb';
const PROJECT = 'p_0000000000000001';

function event(id: number | bigint, overrides: Partial<PushEvent> = {}): PushEvent {
  return { clientActionId: id, actionType: 'create', entityType: 'issues', entityId: `td-${id}`, payload: `{"n":${id}}`, clientTimestamp: TIME, ...overrides };
}

function batchOf(deviceId: string, ids: (number | bigint)[], sessionId = 'ses-1'): PushBatch {
  return { deviceId, sessionId, events: ids.map((id) => event(id)) };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const seqsOf = (page: EventPage) => (JSON.parse(`[${page.eventsJson}]`) as { server_seq: number }[]).map((e) => e.server_seq);

/**
 * PostgresEventStore against a real PostgreSQL, with several backends (each
 * its own pool, as several nodes would have) on one database.
 */
describe('PostgresEventStore (real PostgreSQL, several nodes)', () => {
  let database: TestDatabase;
  let nodes: StorageBackend[];
  let node: StorageBackend;
  /** A session of its own, beside the nodes' pools: takes locks and reads what the nodes wrote. */
  let locker: Client;

  beforeEach(async () => {
    database = await createTestDatabase();
    locker = new Client({ connectionString: database.url });
    await locker.connect();
    nodes = [];
    for (let i = 0; i < 3; i++) nodes.push(await openPostgresBackend({ url: database.url, poolSize: 4, connectTimeoutMs: 10_000 }));
    node = nodes[0];
    await node.users.findOrCreate({ id: OWNER, email: 'owner@example.com', created_at: TIME });
    await node.users.findOrCreate({ id: MEMBER, email: 'member@example.com', created_at: TIME });
    await node.projects.createWithOwner({ id: PROJECT, name: 'p', description: '' }, OWNER);
    expect(await node.memberships.add(PROJECT, MEMBER, 'writer', OWNER)).toMatchObject({ kind: 'added' });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await locker.end();
    await Promise.all(nodes.map((n) => n.connection.close()));
    await database.drop();
  });

  const pushAs = (through: StorageBackend, userId: string, batch: PushBatch) => through.events.append(PROJECT, userId, batch, TIME, atLeast('writer'));
  const pageOf = (through: StorageBackend, after: number, limit = 1000, excludeDevice?: string) =>
    through.events.page(PROJECT, OWNER, { afterServerSeq: after, limit, excludeDevice }, atLeast('reader'));

  it('numbers a batch consecutively in request order, answers duplicates with the stored seq and burns none', async () => {
    const first = await pushAs(node, MEMBER, batchOf('dev-1', [1, 2, 3]));
    expect([...first.serverSeqs]).toEqual([1, 2, 3]);

    const second = await pushAs(nodes[1], MEMBER, { deviceId: 'dev-1', sessionId: 'ses-1', events: [event(2), event(4), event(5, { entityId: '' }), event(4), event(6)] });
    expect([...second.outcomes]).toEqual([PushOutcome.Duplicate, PushOutcome.Acked, PushOutcome.EmptyEntityId, PushOutcome.Duplicate, PushOutcome.Acked]);
    expect([...second.serverSeqs]).toEqual([2, 4, 0, 4, 5]);
    expect(second.accepted).toBe(2);

    // The same ids under another session are other events.
    const other = await pushAs(nodes[2], MEMBER, batchOf('dev-1', [1], 'ses-2'));
    expect([...other.serverSeqs]).toEqual([6]);
    expect(await node.events.status(PROJECT, OWNER, atLeast('reader'))).toEqual({ eventCount: 6, lastServerSeq: 6, lastEventTime: TIME });
  });

  it('numbers only the new events of a batch partly stored, in request order, and a retry of a whole batch burns nothing', async () => {
    const first = await pushAs(node, MEMBER, batchOf('dev-1', [1, 2, 3]));
    expect(first.accepted).toBe(3);
    // 1 and 3 stored before, 5 repeated within the batch, 9 refused alone; the new ones get 4, 5, 6 in order.
    const mixed = await pushAs(node, MEMBER, {
      deviceId: 'dev-1',
      sessionId: 'ses-1',
      events: [event(5), event(1), event(6), event(9, { entityId: '' }), event(3), event(7), event(5)],
    });
    expect([...mixed.outcomes]).toEqual([
      PushOutcome.Acked,
      PushOutcome.Duplicate,
      PushOutcome.Acked,
      PushOutcome.EmptyEntityId,
      PushOutcome.Duplicate,
      PushOutcome.Acked,
      PushOutcome.Duplicate,
    ]);
    expect([...mixed.serverSeqs]).toEqual([4, 1, 5, 0, 3, 6, 4]);
    expect(mixed.accepted).toBe(3);

    const retry = await pushAs(nodes[1], MEMBER, { deviceId: 'dev-1', sessionId: 'ses-1', events: [event(5), event(1), event(6), event(3), event(7)] });
    expect(retry.accepted).toBe(0);
    expect([...retry.serverSeqs]).toEqual([4, 1, 5, 3, 6]);
    expect(await node.events.status(PROJECT, OWNER, atLeast('reader'))).toEqual({ eventCount: 6, lastServerSeq: 6, lastEventTime: TIME });
    expect([...(await pushAs(node, MEMBER, batchOf('dev-1', [8]))).serverSeqs]).toEqual([7]);
    expect(seqsOf(await pageOf(node, 0))).toEqual(range(1, 7));
  });

  it('answers a batch of events all refused alone with the access decision only', async () => {
    const refusedAlone = { deviceId: 'dev-1', sessionId: 'ses-1', events: [event(1, { entityId: '' })] };
    expect(await pushAs(node, MEMBER, refusedAlone)).toMatchObject({ accepted: 0, outcomes: new Uint8Array([PushOutcome.EmptyEntityId]) });
    await expect(node.events.append(PROJECT, 'u_00000000000000cc', refusedAlone, TIME, atLeast('writer'))).rejects.toThrow('requires writer');
    expect((await node.events.status(PROJECT, OWNER, atLeast('reader'))).lastServerSeq).toBe(0);
  });

  it('applies whatever the access rule admits, not a fixed one', async () => {
    const stranger = 'u_00000000000000cc';
    const anyoneInALiveProject: AccessDecision = (live) => {
      if (!live) throw new Refused('project not found');
    };
    expect((await node.events.append(PROJECT, stranger, batchOf('dev-9', [1]), TIME, anyoneInALiveProject)).accepted).toBe(1);
    const ownersOnly: AccessDecision = (live, role) => {
      if (!live) throw new Refused('project not found');
      if (role !== 'owner') throw new Refused(`owners only, not ${role}`);
    };
    await expect(node.events.append(PROJECT, MEMBER, batchOf('dev-1', [1]), TIME, ownersOnly)).rejects.toThrow('owners only, not writer');
    expect((await node.events.append(PROJECT, OWNER, batchOf('dev-2', [1]), TIME, ownersOnly)).accepted).toBe(1);
  });

  it('keeps int64 client_action_ids and payload text exact', async () => {
    const big = 9_223_372_036_854_775_807n;
    const payload = '{"b":12345678901234567890,"a":1.0,"s":"\\u00e9\\n","nested":{"z":[]}}';
    await pushAs(node, MEMBER, { deviceId: 'dev-1', sessionId: 'ses-1', events: [event(big, { payload }), event(-big)] });
    const again = await pushAs(node, MEMBER, { deviceId: 'dev-1', sessionId: 'ses-1', events: [event(big)] });
    expect([...again.outcomes]).toEqual([PushOutcome.Duplicate]);
    const page = String((await pageOf(node, 0)).eventsJson);
    expect(page).toContain(`"client_action_id":${big},`);
    expect(page).toContain(`"client_action_id":${-big},`);
    expect(page).toContain(`"payload":${payload},`);
  });

  it('serves a page as one UTF-8 Buffer: multi-byte text exact, events joined by commas', async () => {
    const payloads = ['{"title":"café ☕ ünïcödé"}', '{"emoji":"😀 𝄞","cjk":"同期"}', '{"plain":"ascii"}'];
    await pushAs(node, MEMBER, { deviceId: 'dév-1', sessionId: 'sés-1', events: payloads.map((payload, i) => event(i + 1, { payload, entityId: `td-é${i}` })) });
    const page = await pageOf(node, 0);
    expect(Buffer.isBuffer(page.eventsJson)).toBe(true);
    const bytes = page.eventsJson;
    expect(isUtf8(bytes)).toBe(true);
    const events = JSON.parse(`[${bytes.toString('utf8')}]`) as { server_seq: number; device_id: string; entity_id: string }[];
    expect(events.map((e) => [e.server_seq, e.device_id, e.entity_id])).toEqual([
      [1, 'dév-1', 'td-é0'],
      [2, 'dév-1', 'td-é1'],
      [3, 'dév-1', 'td-é2'],
    ]);
    for (const payload of payloads) expect(bytes.includes(Buffer.from(`"payload":${payload},`))).toBe(true);
    expect(bytes.toString('utf8').split('},{"server_seq":')).toHaveLength(3);
  });

  it('serves pages with an exact has_more, leaving out the excluded device', async () => {
    await pushAs(node, MEMBER, batchOf('dev-1', range(1, 5)));
    await pushAs(node, MEMBER, batchOf('dev-2', range(1, 2)));
    expect(await pageOf(node, 0, 5)).toMatchObject({ count: 5, lastServerSeq: 5, hasMore: true });
    expect(await pageOf(node, 0, 7)).toMatchObject({ count: 7, lastServerSeq: 7, hasMore: false });
    expect(await pageOf(node, 0, 5, 'dev-2')).toMatchObject({ count: 5, lastServerSeq: 5, hasMore: false });
    const other = await pageOf(node, 0, 1, 'dev-1');
    expect(seqsOf(other)).toEqual([6]);
    expect(other.hasMore).toBe(true);
    expect(await pageOf(node, 7)).toEqual({ eventsJson: Buffer.alloc(0), count: 0, lastServerSeq: undefined, hasMore: false });
  });

  it('answers an excluding pull that nobody else wrote after without reading an event: a td pulling after its own pushes', async () => {
    await pushAs(node, MEMBER, batchOf('dev-1', range(1, 1000)));
    await pushAs(node, MEMBER, batchOf('dev-2', range(1, 2)));
    await pushAs(nodes[1], MEMBER, batchOf('dev-1', range(1001, 1000)));
    /** This session's count of rows of events read (by index or scan) not yet flushed to PostgreSQL's cumulative statistics. */
    const rowsReadSoFar = async () =>
      Number((await locker.query<{ read: string }>(`SELECT coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0) AS read FROM pg_stat_xact_user_tables WHERE relname = 'events'`)).rows[0].read);
    /** The seqs a page function answers, and how many rows of events it read for them. */
    const read = async (fn: string, after: number, exclude: string) => {
      await locker.query('BEGIN');
      try {
        const before = await rowsReadSoFar();
        const { rows } = await locker.query<{ seqs: string[] | null }>(
          `SELECT array_agg(server_seq ORDER BY server_seq)::text[] AS seqs FROM ${fn}($1, $2, $3, 1001, $4, $5) WHERE event_json IS NOT NULL`,
          [PROJECT, MEMBER, after, PAGE_BYTE_BUDGET, exclude],
        );
        return { seqs: (rows[0].seqs ?? []).map(Number), read: (await rowsReadSoFar()) - before };
      } finally {
        await locker.query('COMMIT');
      }
    };
    // PL/pgSQL plans a function's statements for the values of its first five calls, then may keep one plan for any: measure past that.
    for (let call = 0; call < 8; call++) await read('td_sync_pull_page', 1002, 'dev-1');
    expect(await read('td_sync_pull_page', 1002, 'dev-1')).toEqual({ seqs: [], read: 0 });
    // The previous release's td_sync_page, kept for its nodes during a rolling upgrade, reads dev-1's 1000 events to find that out.
    expect(await read('td_sync_page', 1002, 'dev-1')).toEqual({ seqs: [], read: expect.any(Number) });
    expect((await read('td_sync_page', 1002, 'dev-1')).read).toBeGreaterThanOrEqual(1000);
    // Someone else wrote after the cursor: the page as before.
    expect((await read('td_sync_pull_page', 0, 'dev-1')).seqs).toEqual([1001, 1002]);
    expect((await read('td_sync_pull_page', 1001, 'dev-1')).seqs).toEqual([1002]);
    // And once dev-2 writes again, the next excluding pull has it.
    await pushAs(nodes[2], MEMBER, batchOf('dev-2', [3]));
    expect((await read('td_sync_pull_page', 1002, 'dev-1')).seqs).toEqual([2003]);
  });

  it('fills project_devices from the events stored before its migration', async () => {
    await pushAs(node, MEMBER, batchOf('dev-1', range(1, 3)));
    // Events stored by a release without the table: the trigger off, the table emptied, then the migration run again.
    const migration = new ProjectDevices1764100000004();
    const runner = { query: (sql: string) => locker.query(sql) } as unknown as QueryRunner;
    await locker.query('BEGIN');
    await migration.down(runner);
    await locker.query(`INSERT INTO events (project_id, server_seq, device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
      VALUES ('${PROJECT}', 4, 'dev-old', 's', 1, 'create', 'issues', 'td-1', '{}', 't', 't'), ('${PROJECT}', 5, 'dev-1', 'ses-1', 4, 'create', 'issues', 'td-4', '{}', 't', 't')`);
    await locker.query(`UPDATE project_seqs SET last_seq = 5, event_count = 5 WHERE project_id = '${PROJECT}'`);
    await migration.up(runner);
    await locker.query('COMMIT');
    expect((await locker.query(`SELECT device_id, last_seq::int FROM project_devices WHERE project_id = $1 ORDER BY device_id`, [PROJECT])).rows).toEqual([
      { device_id: 'dev-1', last_seq: 5 },
      { device_id: 'dev-old', last_seq: 4 },
    ]);
    expect(seqsOf(await pageOf(nodes[1], 3, 10, 'dev-1'))).toEqual([4]);
    expect(seqsOf(await pageOf(nodes[1], 0, 10, 'dev-old'))).toEqual([1, 2, 3, 5]);
  });

  it('pages exactly like a filter over the log, whatever the devices, cursor, limit and exclusion', async () => {
    const model: { seq: number; device: string }[] = [];
    let nextId = 1;
    for (const [device, count] of [['a', 3], ['b', 2], ['a', 4], ['dd', 1], ['c', 5], ['a', 2], ['b', 3]] as const) {
      const outcomes = await pushAs(node, MEMBER, batchOf(device, range(nextId, count)));
      nextId += count;
      outcomes.serverSeqs.forEach((seq) => model.push({ seq, device }));
    }
    for (const exclude of [undefined, 'a', 'b', 'c', 'dd', 'zz']) {
      for (const after of [0, 1, 3, 5, 9, 12, 17, 19, 20, 25]) {
        for (const limit of [1, 2, 3, 7, 20]) {
          const matching = model.filter((row) => row.seq > after && row.device !== exclude);
          const page = await pageOf(nodes[after % 3], after, limit, exclude);
          expect({ exclude, after, limit, seqs: seqsOf(page), hasMore: page.hasMore, last: page.lastServerSeq }).toEqual({
            exclude,
            after,
            limit,
            seqs: matching.slice(0, limit).map((row) => row.seq),
            hasMore: matching.length > limit,
            last: matching.length > 0 ? matching[Math.min(limit, matching.length) - 1].seq : undefined,
          });
        }
      }
    }
  });

  it('ends a page at the byte budget, always with at least one event, and says more remain', async () => {
    const big = `{"blob":"${'x'.repeat(3 * 1024 * 1024)}"}`;
    const huge = `{"blob":"${'y'.repeat(PAGE_BYTE_BUDGET + 10)}"}`;
    await pushAs(node, MEMBER, { deviceId: 'dev-1', sessionId: 'ses-1', events: [1, 2, 3, 4].map((id) => event(id, { payload: big })) });
    await pushAs(node, MEMBER, { deviceId: 'dev-1', sessionId: 'ses-1', events: [event(5, { payload: huge }), event(6)] });

    const first = await pageOf(node, 0);
    expect(first).toMatchObject({ count: 2, lastServerSeq: 2, hasMore: true });
    const second = await pageOf(node, 2);
    expect(second).toMatchObject({ count: 2, lastServerSeq: 4, hasMore: true });
    // A single event larger than the budget still comes, alone.
    const alone = await pageOf(node, 4);
    expect(alone).toMatchObject({ count: 1, lastServerSeq: 5, hasMore: true });
    expect(String(alone.eventsJson)).toContain(huge);
    expect(await pageOf(node, 5)).toMatchObject({ count: 1, lastServerSeq: 6, hasMore: false });
  });

  /** Holds the project's counter lock, as a push in progress on a fourth node would, until release() commits. */
  async function holdCounterLock(): Promise<{ release(): Promise<void> }> {
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM project_seqs WHERE project_id = $1 FOR UPDATE', [PROJECT]);
    return { release: async () => void (await locker.query('COMMIT')) };
  }

  /** Resolves once `count` sessions of the database wait for a lock: the requests started are queued, in order. */
  async function lockWaiters(count: number): Promise<void> {
    while ((await sessionsWaitingForLock(database.name)) < count) await new Promise((resolve) => setImmediate(resolve));
  }

  it('gives concurrent pushes through three nodes consecutive seqs, each batch contiguous, none twice', async () => {
    const batches = 30;
    const size = 20;
    const pushes = range(0, batches).map((b) => pushAs(nodes[b % nodes.length], MEMBER, batchOf(`dev-${b}`, range(1, size))));
    const results = await Promise.all(pushes);

    const all = results.flatMap((result) => [...result.serverSeqs]);
    expect(all.sort((a, b) => a - b)).toEqual(range(1, batches * size));
    for (const result of results) {
      const seqs = [...result.serverSeqs];
      expect(seqs).toEqual(range(seqs[0], size));
    }
    expect((await node.events.status(PROJECT, OWNER, atLeast('reader'))).eventCount).toBe(batches * size);
  });

  it('never lets a concurrent puller see a later seq before an earlier one', async () => {
    const batches = 40;
    let pushing = true;
    const pushers = Promise.all(range(0, batches).map((b) => pushAs(nodes[b % 2], MEMBER, batchOf(`dev-${b}`, range(1, 10))))).finally(() => {
      pushing = false;
    });
    // Pages through node 3 while the pushes commit: every page must start
    // right after the last seq seen and be gap-free, so that a client that
    // moves on to last_server_seq never skips an event committed later.
    const seen: number[] = [];
    let last = 0;
    for (;;) {
      const wasPushing = pushing;
      const page = await pageOf(nodes[2], last, 7);
      const seqs = seqsOf(page);
      expect(seqs).toEqual(range(last + 1, seqs.length));
      seen.push(...seqs);
      last = page.lastServerSeq ?? last;
      if (!wasPushing && !page.hasMore) break;
    }
    await pushers;
    expect(seen).toEqual(range(1, batches * 10));
  });

  it('stores a batch sent through two nodes at once only once: the other gets the original seqs', async () => {
    const batch = batchOf('dev-1', range(1, 50));
    const [a, b] = await Promise.all([pushAs(nodes[0], MEMBER, batch), pushAs(nodes[1], MEMBER, batch)]);
    expect(a.accepted + b.accepted).toBe(50);
    expect([...a.serverSeqs]).toEqual([...b.serverSeqs]);
    expect([...a.serverSeqs]).toEqual(range(1, 50));
  });

  describe('access decided inside the push transaction', () => {
    it('refuses a push that waited for the lock while its author was demoted through another node', async () => {
      const lock = await holdCounterLock();
      const demoting = nodes[1].memberships.updateRole(PROJECT, MEMBER, 'reader', () => undefined);
      await lockWaiters(1);
      // Queued behind the demotion: the push's transaction began before the
      // demotion committed, but decides only once it holds the lock.
      // The expectation is attached at once: the push may be refused before the demotion's answer arrives.
      const refused = expect(pushAs(nodes[2], MEMBER, batchOf('dev-1', [1]))).rejects.toThrow(Refused);
      await lockWaiters(2);
      await lock.release();
      expect(await demoting).toEqual({ kind: 'changed' });
      await refused;
      expect((await node.events.status(PROJECT, OWNER, atLeast('reader'))).eventCount).toBe(0);
    });

    it('lets a push queued before a demotion commit first, and refuses the next one', async () => {
      const lock = await holdCounterLock();
      const pushing = pushAs(nodes[2], MEMBER, batchOf('dev-1', [1]));
      await lockWaiters(1);
      const demoting = nodes[1].memberships.updateRole(PROJECT, MEMBER, 'reader', () => undefined);
      await lockWaiters(2);
      await lock.release();
      expect([...(await pushing).serverSeqs]).toEqual([1]);
      expect(await demoting).toEqual({ kind: 'changed' });
      await expect(pushAs(nodes[0], MEMBER, batchOf('dev-1', [2]))).rejects.toThrow(Refused);
    });

    it('refuses a push that waited for the lock while the project was deleted through another node', async () => {
      const lock = await holdCounterLock();
      const deleting = nodes[1].projects.softDelete(PROJECT);
      await lockWaiters(1);
      const refused = expect(pushAs(nodes[2], OWNER, batchOf('dev-1', [1]))).rejects.toThrow('project not found');
      await lockWaiters(2);
      await lock.release();
      expect(await deleting).toBe(true);
      await refused;
    });

    it('refuses a stranger and a reader without waiting for the lock a push in progress holds', async () => {
      await node.users.findOrCreate({ id: 'u_00000000000000dd', email: 'reader@example.com', created_at: TIME });
      expect(await node.memberships.add(PROJECT, 'u_00000000000000dd', 'reader', OWNER)).toMatchObject({ kind: 'added' });
      const lock = await holdCounterLock();
      // Were they decided under the lock, these would wait for release() and the test would time out.
      await expect(pushAs(nodes[1], 'u_00000000000000cc', batchOf('dev-1', [1]))).rejects.toThrow('requires writer');
      await expect(pushAs(nodes[2], 'u_00000000000000dd', batchOf('dev-1', [1]))).rejects.toThrow('requires writer');
      await lock.release();
    });

    it('keeps the last owner when two nodes demote the two owners at once', async () => {
      expect(await node.memberships.updateRole(PROJECT, MEMBER, 'owner', () => undefined)).toEqual({ kind: 'changed' });
      const lastOwnerStays = (current: ProjectRole, owners: number) => (current === 'owner' && owners <= 1 ? 'last owner' : undefined);
      const lock = await holdCounterLock();
      const demotions = [nodes[1].memberships.updateRole(PROJECT, OWNER, 'writer', lastOwnerStays), nodes[2].memberships.updateRole(PROJECT, MEMBER, 'writer', lastOwnerStays)];
      await lockWaiters(2);
      await lock.release();
      const outcomes = (await Promise.all(demotions)).map((outcome) => outcome.kind).sort();
      expect(outcomes).toEqual(['changed', 'refused']);
      const owners = (await node.memberships.list(PROJECT)).filter((m) => m.role === 'owner');
      expect(owners).toHaveLength(1);
    });
  });

  describe("pushes that queue behind a node's statement in flight for the project", () => {
    const READER = 'u_00000000000000dd';
    const STRANGER = 'u_00000000000000cc';

    /** How many transactions wrote the project's events: the rows one transaction writes share its xmin. */
    async function writingTransactions(): Promise<number> {
      const { rows } = await locker.query<{ n: number }>('SELECT count(DISTINCT xmin::text)::int AS n FROM events WHERE project_id = $1', [PROJECT]);
      return rows[0].n;
    }

    /**
     * Holds the project's lock and has node 1 send a push that waits for it,
     * so that the node's next pushes to the project queue on the node; returns
     * that first push and the lock.
     */
    async function stuckFirstPush() {
      const lock = await holdCounterLock();
      const first = pushAs(node, MEMBER, batchOf('dev-0', [1]));
      await lockWaiters(1);
      return { first, lock };
    }

    beforeEach(async () => {
      await node.users.findOrCreate({ id: READER, email: 'reader@example.com', created_at: TIME });
      expect(await node.memberships.add(PROJECT, READER, 'reader', OWNER)).toMatchObject({ kind: 'added' });
    });

    it('commits them in one transaction, numbered in the order they reached the node', async () => {
      const { first, lock } = await stuckFirstPush();
      const queued = range(1, 5).map((d) => pushAs(node, MEMBER, batchOf(`dev-${d}`, [1, 2])));
      await lock.release();
      expect([...(await first).serverSeqs]).toEqual([1]);
      expect((await Promise.all(queued)).map((result) => [...result.serverSeqs])).toEqual([[2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]);
      expect(await writingTransactions()).toBe(2);
      expect(await node.events.status(PROJECT, OWNER, atLeast('reader'))).toEqual({ eventCount: 11, lastServerSeq: 11, lastEventTime: TIME });
    });

    it('decides each on its own: a stranger and a reader refused, a repeat of an earlier push of the group answered with its seqs', async () => {
      const { first, lock } = await stuckFirstPush();
      const writer = pushAs(node, MEMBER, batchOf('dev-1', [1, 2]));
      const stranger = expect(pushAs(node, STRANGER, batchOf('dev-2', [1]))).rejects.toThrow('requires writer');
      const repeat = pushAs(node, MEMBER, batchOf('dev-1', [2, 3]));
      const reader = expect(pushAs(node, READER, batchOf('dev-3', [1]))).rejects.toThrow('requires writer');
      const owner = pushAs(node, OWNER, { deviceId: 'dev-4', sessionId: 'ses-1', events: [event(1), event(2, { entityId: '' })] });
      await lock.release();
      await Promise.all([first, stranger, reader]);
      expect([...(await writer).serverSeqs]).toEqual([2, 3]);
      const repeated = await repeat;
      expect([...repeated.outcomes]).toEqual([PushOutcome.Duplicate, PushOutcome.Acked]);
      expect([...repeated.serverSeqs]).toEqual([3, 4]);
      expect(repeated.accepted).toBe(1);
      const owned = await owner;
      expect([...owned.outcomes]).toEqual([PushOutcome.Acked, PushOutcome.EmptyEntityId]);
      expect([...owned.serverSeqs]).toEqual([5, 0]);
      expect(await writingTransactions()).toBe(2);
      expect(seqsOf(await pageOf(node, 0))).toEqual(range(1, 5));
    });

    it('sends them again one at a time when their statement fails, so that only the push at fault fails', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const { first, lock } = await stuckFirstPush();
      const before = pushAs(node, MEMBER, batchOf('dev-1', [1]));
      // PostgreSQL refuses a text holding NUL (the push edge refuses it earlier): the whole statement fails.
      const faulty = expect(pushAs(node, MEMBER, { deviceId: 'dev-2', sessionId: 'ses-1', events: [event(1, { payload: '{"n":"\u0000"}' })] })).rejects.toThrow(/invalid byte sequence/);
      const after = pushAs(node, MEMBER, batchOf('dev-3', [1]));
      await lock.release();
      await Promise.all([first, faulty]);
      expect([...(await before).serverSeqs]).toEqual([2]);
      expect([...(await after).serverSeqs]).toEqual([3]);
      expect(await writingTransactions()).toBe(3);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^a group of 3 pushes to p_0000000000000001 failed \(.*invalid byte sequence.*\); sending each alone$/));
    });

    it('puts only pushes under one access rule in a statement: the others wait for one of their own', async () => {
      const { first, lock } = await stuckFirstPush();
      const writers = pushAs(node, MEMBER, batchOf('dev-1', [1]));
      // Under a rule that admits readers (the statement applies its group's rule to every push in it).
      const reader = node.events.append(PROJECT, READER, batchOf('dev-2', [1]), TIME, atLeast('reader'));
      const writersAgain = pushAs(node, MEMBER, batchOf('dev-3', [1]));
      await lock.release();
      await first;
      expect([...(await writers).serverSeqs]).toEqual([2]);
      expect([...(await reader).serverSeqs]).toEqual([3]);
      expect([...(await writersAgain).serverSeqs]).toEqual([4]);
      expect(await writingTransactions()).toBe(4);
    });

    it('refuses every push of a group that waited for the lock while the project was purged through another node', async () => {
      // A rule that admits an owner of a deleted project, so the group passes the read before the lock.
      const ownerEvenDeleted: AccessDecision = (_live, role) => {
        if (role !== 'owner') throw new Refused('project not found');
      };
      const pushOwned = (deviceId: string) => node.events.append(PROJECT, OWNER, batchOf(deviceId, [1]), TIME, ownerEvenDeleted);
      expect(await nodes[1].projects.softDelete(PROJECT)).toBe(true);
      const lock = await holdCounterLock();
      const first = pushOwned('dev-0');
      await lockWaiters(1);
      const purging = nodes[1].projects.purgeDeleted(PROJECT, '9999-12-31T00:00:00.000Z');
      await lockWaiters(2);
      const group = [pushOwned('dev-1'), pushOwned('dev-2')].map((push) => expect(push).rejects.toThrow('project not found'));
      // The first push gives up its place (cancelled), so the group is sent and queues at the lock behind the purge.
      await locker.query('SELECT pg_stat_clear_snapshot()');
      await locker.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT done,%'`);
      await expect(first).rejects.toThrow(/canceling statement/);
      await lockWaiters(2);
      await lock.release();
      expect(await purging).toBe(true);
      await Promise.all(group);
      expect((await locker.query('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [PROJECT])).rows).toEqual([{ n: 0 }]);
    });

    it('sends a large push at once, beside the statement in flight, rather than queue it', async () => {
      const { first, lock } = await stuckFirstPush();
      const large = pushAs(node, MEMBER, { deviceId: 'dev-1', sessionId: 'ses-1', events: [event(1, { payload: `{"text":"${'x'.repeat(70_000)}"}` })] });
      // Queued on the node, it would not reach the lock before the first push commits, and this would wait forever.
      await lockWaiters(2);
      await lock.release();
      expect([...(await first).serverSeqs, ...(await large).serverSeqs].sort()).toEqual([1, 2]);
    });
  });

  it('reads access facts from the database on every call: a change through one node holds on the others at once', async () => {
    expect((await pushAs(nodes[2], MEMBER, batchOf('dev-1', [1]))).accepted).toBe(1);
    expect(await nodes[0].memberships.updateRole(PROJECT, MEMBER, 'reader', () => undefined)).toEqual({ kind: 'changed' });
    await expect(pushAs(nodes[2], MEMBER, batchOf('dev-1', [2]))).rejects.toThrow('requires writer');
    expect(await nodes[2].events.page(PROJECT, MEMBER, { afterServerSeq: 0, limit: 10, excludeDevice: undefined }, atLeast('reader'))).toMatchObject({ count: 1 });
    expect(await nodes[0].memberships.remove(PROJECT, MEMBER, () => undefined)).toEqual({ kind: 'changed' });
    await expect(nodes[2].events.page(PROJECT, MEMBER, { afterServerSeq: 0, limit: 10, excludeDevice: undefined }, atLeast('reader'))).rejects.toThrow('requires reader');
    await expect(nodes[1].events.status(PROJECT, MEMBER, atLeast('reader'))).rejects.toThrow('requires reader');
  });

  it('refuses a stranger, an unknown project and a deleted one without storing anything', async () => {
    const stranger = 'u_00000000000000cc';
    await expect(node.events.append(PROJECT, stranger, batchOf('dev-1', [1]), TIME, atLeast('writer'))).rejects.toThrow('requires writer');
    await expect(node.events.append('p_00000000000000ff', OWNER, batchOf('dev-1', [1]), TIME, atLeast('writer'))).rejects.toThrow('project not found');
    await expect(node.events.page('p_00000000000000ff', OWNER, { afterServerSeq: 0, limit: 1, excludeDevice: undefined }, atLeast('reader'))).rejects.toThrow('project not found');
    await expect(node.events.status('p_00000000000000ff', OWNER, atLeast('reader'))).rejects.toThrow('project not found');
    expect((await node.events.status(PROJECT, OWNER, atLeast('reader'))).eventCount).toBe(0);
    expect(await nodes[1].projects.softDelete(PROJECT)).toBe(true);
    await expect(nodes[2].events.append(PROJECT, OWNER, batchOf('dev-1', [1]), TIME, atLeast('writer'))).rejects.toThrow('project not found');
    await expect(nodes[2].events.status(PROJECT, OWNER, atLeast('reader'))).rejects.toThrow('project not found');
  });
});

/** Events taken over from another server (`td-sync import-go`), with their seqs, on a real PostgreSQL. */
describe('PostgresEventStore.importEvents', () => {
  let database: TestDatabase;
  let node: StorageBackend;
  const stored = (serverSeq: number, clientActionId: number | bigint = serverSeq): StoredEvent => ({
    serverSeq,
    deviceId: 'go-laptop',
    sessionId: 'ses',
    clientActionId,
    actionType: 'create',
    entityType: 'issues',
    entityId: `td-${serverSeq}`,
    payload: `{"seq" : ${serverSeq}}`,
    clientTimestamp: '2026-01-31T08:15:02.123456789Z',
    serverTimestamp: `2026-01-31T08:15:0${serverSeq % 10}.000Z`,
  });

  beforeEach(async () => {
    database = await createTestDatabase();
    node = await openPostgresBackend({ url: database.url, poolSize: 2, connectTimeoutMs: 10_000 });
    await node.users.findOrCreate({ id: OWNER, email: 'owner@example.com', created_at: TIME });
  });
  afterEach(async () => {
    await node.connection.close();
    await database.drop();
  });

  it('stores events before their project exists; the project, once inserted, continues after the highest seq', async () => {
    await node.events.importEvents(PROJECT, [stored(1), stored(2), stored(5)]);
    await node.events.importEvents(PROJECT, [stored(8, 9_007_199_254_740_993n)]);
    await node.projects.insertWithMembers({ id: PROJECT, name: 'imported', description: '', created_at: TIME, updated_at: TIME, deleted_at: null }, [
      { project_id: PROJECT, user_id: OWNER, role: 'owner', invited_by: null, created_at: TIME },
    ]);
    expect(await node.events.summary(PROJECT)).toMatchObject({ eventCount: 4, lastServerSeq: 8, lastEventTime: '2026-01-31T08:15:08.000Z' });

    const pushed = await node.events.append(PROJECT, OWNER, { deviceId: 'go-laptop', sessionId: 'ses', events: [event(9_007_199_254_740_993n), event(1_000)] }, TIME, atLeast('writer'));
    expect([...pushed.outcomes]).toEqual([PushOutcome.Duplicate, PushOutcome.Acked]);
    expect([...pushed.serverSeqs]).toEqual([8, 9]);
    const page = await node.events.page(PROJECT, OWNER, { afterServerSeq: 0, limit: 100, excludeDevice: undefined }, atLeast('reader'));
    expect(seqsOf(page)).toEqual([1, 2, 5, 8, 9]);
    expect(String(page.eventsJson)).toContain('"payload":{"seq" : 1},"client_timestamp":"2026-01-31T08:15:02.123456789Z"');
  });

  it('moves the counter of a project that exists past the events imported into it', async () => {
    await node.projects.createWithOwner({ id: PROJECT, name: 'p', description: '' }, OWNER);
    await node.events.importEvents(PROJECT, [stored(3), stored(4)]);
    expect(await node.events.status(PROJECT, OWNER, atLeast('reader'))).toMatchObject({ eventCount: 2, lastServerSeq: 4 });
    const pushed = await node.events.append(PROJECT, OWNER, batchOf('client', [1]), TIME, atLeast('writer'));
    expect([...pushed.serverSeqs]).toEqual([5]);
  });

  it.each([
    ['a seq at or below one stored', [[stored(3)], [stored(3)]]],
    ['seqs out of order within a batch', [[stored(4), stored(2)]]],
  ])('refuses %s and writes nothing of that batch', async (_, batches) => {
    const [last] = batches.slice(-1);
    for (const earlier of batches.slice(0, -1)) await node.events.importEvents(PROJECT, earlier);
    await expect(node.events.importEvents(PROJECT, last)).rejects.toThrow(/does not ascend/);
    await node.projects.insertWithMembers({ id: PROJECT, name: 'p', description: '', created_at: TIME, updated_at: TIME, deleted_at: null }, []);
    expect((await node.events.summary(PROJECT))?.eventCount).toBe(batches.length - 1);
  });

  it('removeLog deletes the events of a project that never got its row', async () => {
    await node.events.importEvents(PROJECT, [stored(1), stored(2)]);
    await node.events.removeLog(PROJECT);
    await node.projects.insertWithMembers({ id: PROJECT, name: 'p', description: '', created_at: TIME, updated_at: TIME, deleted_at: null }, []);
    expect(await node.events.summary(PROJECT)).toMatchObject({ eventCount: 0, lastServerSeq: 0 });
  });
});
