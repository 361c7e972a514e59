import { walHeader } from '@td-sync/testing';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PROJECT_PAGE_SIZE } from '../open-project-database';
import { ProjectDatabases } from '../project-databases';
import type { ProjectRole } from '../records/membership';
import type { AccessDecision } from '../repositories/access-decision';
import type { AppendResult, PushBatch } from '../repositories/event-store';
import { SqliteEventLog } from './sqlite-event-log';
import { EARLY_CHECKPOINT_BYTES, SqliteEventStore } from './sqlite-event-store';
import { SqliteMembershipsRepository } from './sqlite-memberships.repository';
import { SqliteProjectsRepository } from './sqlite-projects.repository';
import { SqliteServerDatabase } from './sqlite-server-database';
import { SqliteUsersRepository } from './sqlite-users.repository';
import { RESTART_WAL_FRAMES, WalCheckpointer } from '../wal-checkpointer';

const onLinux = process.platform === 'linux' ? it : it.skip;

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
const batch: PushBatch = {
  deviceId: 'dev-1',
  sessionId: 'ses-1',
  events: [{ clientActionId: 1, actionType: 'create', entityType: 'issues', entityId: 'td-1', payload: '{"a":1}', clientTimestamp: TIME }],
};
/** `batch`'s one event as action `n` on its own issue. */
const single = (n: number): PushBatch => ({ ...batch, events: [{ ...batch.events[0], clientActionId: n, entityId: `td-${n}` }] });

/**
 * The promise of EventStore: access is decided in the same step as the work.
 * Opening a project's database waits for I/O and lets other requests run;
 * these cases change the caller's access in exactly that window.
 */
describe('SqliteEventStore (real databases)', () => {
  let dir: string;
  let server: SqliteServerDatabase;
  let databases: ProjectDatabases;
  let memberships: SqliteMembershipsRepository;
  let projects: SqliteProjectsRepository;
  let store: SqliteEventStore;
  const owner = 'u_00000000000000aa';
  const member = 'u_00000000000000bb';
  let project: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-event-store-'));
    server = await SqliteServerDatabase.open(join(dir, 'server.db'));
    // One open project at a time: creating a second one closes the first. A WAL restart may hold commits
    // long enough for the checkpoint process to finish on a machine busy with other specs.
    databases = new ProjectDatabases({ serverDbPath: join(dir, 'server.db'), projectDataDir: join(dir, 'projects'), maxOpenProjects: 1 }, { restartHoldMs: 10_000 });
    memberships = new SqliteMembershipsRepository(server.connection);
    projects = new SqliteProjectsRepository(server.connection, databases);
    store = new SqliteEventStore(databases, memberships, new SqliteEventLog());
    const users = new SqliteUsersRepository(server.connection);
    for (const [id, email] of [
      [owner, 'owner@example.com'],
      [member, 'member@example.com'],
    ]) {
      await users.findOrCreate({ id, email, created_at: TIME });
    }
    project = (await projects.createWithOwner({ id: 'p_0000000000000001', name: 'p', description: '' }, owner)).id;
    expect(await memberships.add(project, member, 'writer', owner)).toMatchObject({ kind: 'added' });
    await projects.createWithOwner({ id: 'p_0000000000000002', name: 'other', description: '' }, owner);
    expect(databases.isOpen(project)).toBe(false);
  });
  afterEach(async () => {
    await databases.closeAll();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const eventCount = async () => (await store.status(project, owner, atLeast('reader'))).eventCount;

  it('stores nothing for a writer removed while the database was opening', async () => {
    const pushing = store.append(project, member, batch, TIME, atLeast('writer'));
    // Runs before the open completes: the push was admitted once already.
    expect(await memberships.remove(project, member, () => undefined)).toEqual({ kind: 'changed' });
    await expect(pushing).rejects.toThrow('requires writer');
    expect(await eventCount()).toBe(0);
  });

  it('stores nothing for a writer demoted to reader while the database was opening', async () => {
    const pushing = store.append(project, member, batch, TIME, atLeast('writer'));
    expect(await memberships.updateRole(project, member, 'reader', () => undefined)).toEqual({ kind: 'changed' });
    await expect(pushing).rejects.toThrow('requires writer');
    expect(await eventCount()).toBe(0);
  });

  it('stores nothing in a project deleted while its database was opening', async () => {
    const pushing = store.append(project, member, batch, TIME, atLeast('writer'));
    expect(await projects.softDelete(project)).toBe(true);
    await expect(pushing).rejects.toThrow('project not found');
    expect(await eventCount().catch((error: Error) => error.message)).toBe('project not found');
  });

  it('serves no page or status to a reader removed while the database was opening', async () => {
    const paging = store.page(project, member, { afterServerSeq: 0, limit: 10, excludeDevice: undefined }, atLeast('reader'));
    await memberships.remove(project, member, () => undefined);
    await expect(paging).rejects.toThrow('requires reader');
    await projects.createWithOwner({ id: 'p_0000000000000003', name: 'evicts', description: '' }, owner);
    await memberships.add(project, member, 'reader', owner);
    const asking = store.status(project, member, atLeast('reader'));
    await memberships.remove(project, member, () => undefined);
    await expect(asking).rejects.toThrow('requires reader');
  });

  it('opens nothing for a caller it refuses', async () => {
    await expect(store.append(project, 'u_0000000000000404', batch, TIME, atLeast('writer'))).rejects.toThrow('requires writer');
    await expect(store.append('p_0000000000000404', member, batch, TIME, atLeast('writer'))).rejects.toThrow('project not found');
    expect(databases.isOpen(project)).toBe(false);
  });

  it('appends, pages and reports status for a member it admits', async () => {
    const result = await store.append(project, member, batch, TIME, atLeast('writer'));
    expect(result.accepted).toBe(1);
    const page = await store.page(project, member, { afterServerSeq: 0, limit: 10, excludeDevice: undefined }, atLeast('reader'));
    expect(page).toMatchObject({ count: 1, lastServerSeq: 1, hasMore: false });
    expect(JSON.parse(`[${page.eventsJson}]`)[0]).toMatchObject({ server_seq: 1, payload: { a: 1 } });
    expect(await store.status(project, member, atLeast('reader'))).toEqual({ eventCount: 1, lastServerSeq: 1, lastEventTime: TIME });
  });

  it('asks for the background checkpoints at once when the rows written pass EARLY_CHECKPOINT_BYTES, before SQLite would run one in a commit', async () => {
    const flushes = jest.spyOn(databases, 'flushCheckpoints');
    const bigPayload = `{"text":"${'x'.repeat(EARLY_CHECKPOINT_BYTES / 4)}"}`;
    const pushOfBig = (ids: number[]): PushBatch => ({
      deviceId: 'dev-1',
      sessionId: 'ses-1',
      events: ids.map((id) => ({ clientActionId: id, actionType: 'create', entityType: 'issues', entityId: `td-${id}`, payload: bigPayload, clientTimestamp: TIME })),
    });
    await store.append(project, owner, batch, TIME, atLeast('writer'));
    await store.append(project, owner, pushOfBig([10, 11, 12]), TIME, atLeast('writer'));
    expect(flushes).not.toHaveBeenCalled();
    // Duplicates write nothing and count for nothing.
    await store.append(project, owner, pushOfBig([10, 11, 12]), TIME, atLeast('writer'));
    expect(flushes).not.toHaveBeenCalled();
    await store.append(project, owner, pushOfBig([13]), TIME, atLeast('writer'));
    expect(flushes).toHaveBeenCalledTimes(1);
    // The count starts again from there.
    await store.append(project, owner, pushOfBig([14, 15]), TIME, atLeast('writer'));
    expect(flushes).toHaveBeenCalledTimes(1);
    await databases.flushCheckpoints();
    expect(await eventCount()).toBe(7);
  });

  it('counts the pages a small push writes whole, not only its rows: single-event pushes ask for the checkpoints early too', async () => {
    const flushes = jest.spyOn(databases, 'flushCheckpoints');
    // Each counts for one to two pages of WAL (at 8 KiB), where its row alone is a few hundred bytes.
    const atLeastPushes = Math.floor(EARLY_CHECKPOINT_BYTES / (2 * PROJECT_PAGE_SIZE));
    const atMostPushes = Math.ceil(EARLY_CHECKPOINT_BYTES / PROJECT_PAGE_SIZE);
    let pushes = 0;
    while (flushes.mock.calls.length === 0 && pushes <= atMostPushes) await store.append(project, owner, single(++pushes), TIME, atLeast('writer'));
    expect(flushes).toHaveBeenCalledTimes(1);
    expect(pushes).toBeGreaterThan(atLeastPushes);
    await databases.flushCheckpoints();
    expect(await eventCount()).toBe(pushes);
  });

  /**
   * Whether the checkpoint process may still be given another checkpoint to
   * catch up with the pushes: one usually does, but on a machine busy with
   * other specs the pushes can outpace it (each of its checkpoints stops after
   * a few rounds) a dozen times and more before it does.
   */
  const catchUpTime = () => {
    const deadline = Date.now() + 30_000;
    return () => Date.now() < deadline;
  };

  /**
   * The project, its WAL made long, written by steady single-event pushes (always four in
   * flight: a commit at every turn of the event loop) while the checkpoint process works.
   */
  async function busyProject() {
    const wal = join(dir, 'projects', project, 'events.db-wal');
    const db = await databases.get(project);
    const insert = db.prepare(
      `INSERT INTO events (device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
       VALUES ('dev-0', 'ses-0', ?, 'create', 'issues', 'td-0', ?, ?, ?)`,
    );
    const filler = JSON.stringify({ filler: 'x'.repeat(4000) });
    /** The WAL header's salts: starting the WAL afresh writes new ones. */
    const walSalts = () => walHeader(join(dir, 'projects', project, 'events.db'))!.salts;
    /** Makes the WAL longer than RESTART_WAL_FRAMES: 3,000 rows of 4 KB, a page each, in one commit. */
    const lengthenWal = () => {
      db.transaction(() => Array.from({ length: 3000 }, () => insert.run(rowsWritten++, filler, TIME, TIME)))();
      expect(statSync(wal).size).toBeGreaterThan(RESTART_WAL_FRAMES * PROJECT_PAGE_SIZE);
    };
    /** The salts of the WAL last made long. */
    let longSalts: string | undefined;
    let rowsWritten = 0;
    let pushes = 0;
    const pushed: Array<Promise<AppendResult>> = [];
    const push = () => {
      const appended = store.append(project, owner, single(++pushes), TIME, atLeast('writer'));
      pushed.push(appended);
      return appended;
    };
    return {
      push,
      walSalts,
      /**
       * Asks for a checkpoint and pushes steadily until it is answered; `answered` runs as soon as
       * it is. The WAL is made long first, and again whenever it has started over since (SQLite does
       * so by itself should the pushes pause long enough). Resolves with the WAL's salts when the
       * checkpoint was asked for.
       */
      async pushThroughCheckpoint(answered: () => void): Promise<string> {
        if (walSalts() !== longSalts) {
          lengthenWal();
          longSalts = walSalts();
        }
        const salts = longSalts;
        databases.written(project);
        let flushed = false;
        void databases.flushCheckpoints().then(() => {
          flushed = true;
          answered();
        });
        const inFlight = new Set<Promise<AppendResult>>();
        while (!flushed) {
          while (inFlight.size < 4) {
            const appended = push();
            inFlight.add(appended);
            void appended.finally(() => inFlight.delete(appended));
          }
          await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        return salts;
      },
      /**
       * Every push was stored, every row written before them is still there, and the server_seqs
       * stayed consecutive (PROTOCOL.md: no gap, whatever waited for a hold).
       */
      async expectAllStored() {
        const results = await Promise.all(pushed);
        expect(results.map(({ accepted }) => accepted)).toEqual(pushed.map(() => 1));
        expect(new Set(results.map(({ serverSeqs }) => serverSeqs[0])).size).toBe(pushes);
        const stored = rowsWritten + pushes;
        expect(await store.status(project, owner, atLeast('reader'))).toMatchObject({ eventCount: stored, lastServerSeq: stored });
      },
    };
  }

  onLinux('starts a busy WAL afresh under steady pushes: the checkpoint process catches up with them, then restarts it while the project\'s commits wait', async () => {
    const busy = await busyProject();
    // A checkpoint through another connection never finds all of that WAL copied, so on its own it never
    // starts over. The checkpoint process repeats its rounds until one starts with few new frames; on a
    // machine busy with other specs that may take many checkpoints (catchUpTime; the server asks for one
    // every second or so).
    let salts = '';
    let held: Promise<void> | undefined;
    let duringHold: Promise<AppendResult> | undefined;
    for (const catchingUp = catchUpTime(); !held && catchingUp(); ) {
      salts = await busy.pushThroughCheckpoint(() => {
        held = databases.commitsHeld(project);
        if (held) duringHold = busy.push();
      });
    }

    // It caught up: the project's commits waited while it copied the last frames and started the WAL afresh.
    expect(held).toBeDefined();
    await held;
    expect(databases.commitsHeld(project)).toBeUndefined();
    expect((await duringHold)?.accepted).toBe(1);
    expect(busy.walSalts()).not.toBe(salts);
    await busy.expectAllStored();
  });

  onLinux('lets the commits go on when starting the WAL afresh outlasts its hold, and loses nothing', async () => {
    // A hold of 1 ms: the checkpoint process's last copy and commit, with their syncs, take longer, so
    // commits resume while it works (one that meets its commit waits for it; its commit gives up on ours).
    await databases.closeAll();
    databases = new ProjectDatabases({ serverDbPath: join(dir, 'server.db'), projectDataDir: join(dir, 'projects'), maxOpenProjects: 1 }, { restartHoldMs: 1 });
    store = new SqliteEventStore(databases, memberships, new SqliteEventLog());
    const restarts = jest.spyOn(WalCheckpointer.prototype, 'restart');
    const busy = await busyProject();
    for (const catchingUp = catchUpTime(); restarts.mock.calls.length === 0 && catchingUp(); ) await busy.pushThroughCheckpoint(() => undefined);
    expect(restarts).toHaveBeenCalled();
    // Pushes one after another while the checkpoint process may still be at it.
    for (let i = 0; i < 50; i++) await busy.push();

    for (const { value } of restarts.mock.results) expect(typeof (await (value as Promise<boolean>))).toBe('boolean');
    await busy.expectAllStored();
  });
});

/** The real event log, noting the size of each group it commits. */
class GroupNotingLog extends SqliteEventLog {
  readonly groups: number[] = [];

  override appendAll(...args: Parameters<SqliteEventLog['appendAll']>): ReturnType<SqliteEventLog['appendAll']> {
    this.groups.push(args[1].length);
    return super.appendAll(...args);
  }
}

const pushOf = (deviceId: string, ids: Array<number | bigint>): PushBatch => ({
  deviceId,
  sessionId: 'ses-1',
  events: ids.map((id) => ({ clientActionId: id, actionType: 'create', entityType: 'issues', entityId: `td-${id}`, payload: '{"a":1}', clientTimestamp: TIME })),
});

describe('SqliteEventStore group commit (real databases)', () => {
  let dir: string;
  let server: SqliteServerDatabase;
  let databases: ProjectDatabases;
  let memberships: SqliteMembershipsRepository;
  let log: GroupNotingLog;
  let store: SqliteEventStore;
  const owner = 'u_00000000000000aa';
  const member = 'u_00000000000000bb';
  const project = 'p_0000000000000001';
  const other = 'p_0000000000000002';

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-group-commit-'));
    server = await SqliteServerDatabase.open(join(dir, 'server.db'));
    databases = new ProjectDatabases({ serverDbPath: join(dir, 'server.db'), projectDataDir: join(dir, 'projects'), maxOpenProjects: 1 });
    memberships = new SqliteMembershipsRepository(server.connection);
    const projects = new SqliteProjectsRepository(server.connection, databases);
    log = new GroupNotingLog();
    store = new SqliteEventStore(databases, memberships, log);
    const users = new SqliteUsersRepository(server.connection);
    await users.findOrCreate({ id: owner, email: 'owner@example.com', created_at: TIME });
    await users.findOrCreate({ id: member, email: 'member@example.com', created_at: TIME });
    await projects.createWithOwner({ id: other, name: 'other', description: '' }, owner);
    await projects.createWithOwner({ id: project, name: 'p', description: '' }, owner);
    await memberships.add(project, member, 'writer', owner);
    // The project is open: pushes to it reach the store in the turn they are made.
    expect(databases.isOpen(project)).toBe(true);
  });
  afterEach(async () => {
    await databases.closeAll();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const seqsOf = (result: { serverSeqs: Float64Array }) => [...result.serverSeqs];
  const storedIds = async (projectId: string) => {
    const page = await store.page(projectId, owner, { afterServerSeq: 0, limit: 100, excludeDevice: undefined }, atLeast('reader'));
    return (JSON.parse(`[${page.eventsJson}]`) as { server_seq: number; device_id: string; client_action_id: number }[]).map((e) => `${e.server_seq}:${e.device_id}/${e.client_action_id}`);
  };

  it('commits the pushes of one turn together, in the order they came, each with its own run of seqs', async () => {
    const results = await Promise.all([
      store.append(project, owner, pushOf('a', [1, 2]), TIME, atLeast('writer')),
      store.append(project, member, pushOf('b', [1]), TIME, atLeast('writer')),
      store.append(project, owner, pushOf('c', [7, 8, 7]), TIME, atLeast('writer')),
    ]);
    expect(log.groups).toEqual([3]);
    expect(results.map(seqsOf)).toEqual([[1, 2], [3], [4, 5, 4]]);
    expect(results.map((r) => r.accepted)).toEqual([2, 1, 2]);
    expect(await storedIds(project)).toEqual(['1:a/1', '2:a/2', '3:b/1', '4:c/7', '5:c/8']);
    expect((await store.status(project, owner, atLeast('reader'))).eventCount).toBe(5);
    // A push alone in its turn is committed on its own.
    await store.append(project, owner, pushOf('d', [1]), TIME, atLeast('writer'));
    expect(log.groups).toEqual([3]);
  });

  it('refuses, alone, a push whose author lost the role before the group committed', async () => {
    const pushes = [
      store.append(project, owner, pushOf('a', [1]), TIME, atLeast('writer')),
      store.append(project, member, pushOf('b', [1]), TIME, atLeast('writer')),
      store.append(project, owner, pushOf('c', [1]), TIME, atLeast('writer')),
    ];
    expect(await memberships.updateRole(project, member, 'reader', () => undefined)).toEqual({ kind: 'changed' });
    const [first, refused, third] = await Promise.allSettled(pushes);
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'requires writer' }) });
    expect([first, third].map((r) => (r.status === 'fulfilled' ? seqsOf(r.value) : r.reason))).toEqual([[1], [2]]);
    expect(log.groups).toEqual([3]);
    expect(await storedIds(project)).toEqual(['1:a/1', '2:c/1']);
  });

  it('rolls back, alone, a push that fails part-way, leaving no gap in the seqs', async () => {
    const [first, failed, third] = await Promise.allSettled([
      store.append(project, owner, pushOf('a', [1]), TIME, atLeast('writer')),
      store.append(project, owner, pushOf('b', [5, 2n ** 64n]), TIME, atLeast('writer')),
      store.append(project, owner, pushOf('c', [1]), TIME, atLeast('writer')),
    ]);
    expect(failed.status).toBe('rejected');
    expect([first, third].map((r) => (r.status === 'fulfilled' ? seqsOf(r.value) : r.reason))).toEqual([[1], [2]]);
    expect(await storedIds(project)).toEqual(['1:a/1', '2:c/1']);
    expect((await store.status(project, owner, atLeast('reader'))).eventCount).toBe(2);
  });

  it('commits a group whose database was closed meanwhile on its own, after reopening it', async () => {
    // Opening the other project evicts this one (one open at a time) before the group commits.
    const pushing = store.append(project, member, pushOf('a', [1, 2]), TIME, atLeast('writer'));
    const elsewhere = store.append(other, owner, pushOf('x', [1]), TIME, atLeast('writer'));
    expect(seqsOf(await pushing)).toEqual([1, 2]);
    expect(seqsOf(await elsewhere)).toEqual([1]);
    expect(await storedIds(project)).toEqual(['1:a/1', '2:a/2']);
    expect(await storedIds(other)).toEqual(['1:x/1']);
  });
});

/**
 * V8's collector, run from a test (--expose-gc set at run time, the function
 * taken from a fresh context): `minor` scavenges the young generation only.
 */
function collector(): (options: { type: 'minor' | 'major'; execution: 'sync' }) => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as (options: { type: 'minor' | 'major'; execution: 'sync' }) => void;
}

/** Bytes in V8's old space, live or not yet collected. */
const oldSpaceBytes = () => getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')!.space_used_size;

describe('SqliteEventStore and the young generation (real databases)', () => {
  const PROJECTS = 8;
  const ROUNDS = 40;
  const EVENTS = 5;
  const PAYLOAD_BYTES = 4096;
  const owner = 'u_00000000000000aa';
  const projectIds = Array.from({ length: PROJECTS }, (_, i) => `p_00000000000000${(16 + i).toString(16)}`);
  let dir: string;
  let server: SqliteServerDatabase;
  let databases: ProjectDatabases;
  let store: SqliteEventStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-young-'));
    server = await SqliteServerDatabase.open(join(dir, 'server.db'));
    databases = new ProjectDatabases({ serverDbPath: join(dir, 'server.db'), projectDataDir: join(dir, 'projects'), maxOpenProjects: PROJECTS });
    const memberships = new SqliteMembershipsRepository(server.connection);
    const projects = new SqliteProjectsRepository(server.connection, databases);
    store = new SqliteEventStore(databases, memberships, new SqliteEventLog());
    await new SqliteUsersRepository(server.connection).findOrCreate({ id: owner, email: 'owner@example.com', created_at: TIME });
    for (const id of projectIds) await projects.createWithOwner({ id, name: id, description: '' }, owner);
  });
  afterEach(async () => {
    await databases.closeAll();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A push of EVENTS events to `projectId`, each with a payload of its own of PAYLOAD_BYTES. */
  function push(projectId: string, round: number): Promise<AppendResult> {
    const events = Array.from({ length: EVENTS }, (_, i) => {
      const id = round * EVENTS + i + 1;
      return { ...batch.events[0], clientActionId: id, entityId: `td-${id}`, payload: `{"n":${id},"pad":"${'x'.repeat(PAYLOAD_BYTES)}"}` };
    });
    return store.append(projectId, owner, { deviceId: 'dev-1', sessionId: 'ses-1', events }, TIME, atLeast('writer'));
  }

  // A group kept in a map entry added and deleted per push left V8's discarded copies of the map's
  // table in old space pointing at the pushes, and the scavenges that followed kept what they
  // pointed at: under load every event pushed ended in old space (docs/performance.md, Memory).
  it('leaves pushes that were answered to the scavenger, however many groups commit at a time', async () => {
    const gc = collector();
    for (const id of projectIds) await push(id, ROUNDS); // every handle opened, and its statements made
    // Everything the store keeps for long (its map too) is in old space now, as on a server that has run for a while.
    gc({ type: 'minor', execution: 'sync' });
    gc({ type: 'minor', execution: 'sync' });
    gc({ type: 'major', execution: 'sync' });
    const before = oldSpaceBytes();
    for (let round = 0; round < ROUNDS; round++) {
      // One push to every project in one turn: eight groups at a time, each committed at the end of the turn.
      const results = await Promise.all(projectIds.map((id) => push(id, round)));
      expect(results.every((result) => result.accepted === EVENTS)).toBe(true);
    }
    // Whatever is still young and referenced from anywhere is promoted by the second of these.
    gc({ type: 'minor', execution: 'sync' });
    gc({ type: 'minor', execution: 'sync' });
    const pushedBytes = PROJECTS * ROUNDS * EVENTS * PAYLOAD_BYTES;
    // The payloads alone are 6.5 MB: 0.4 MB of old space grew with the change, 4.7 without it.
    expect(oldSpaceBytes() - before).toBeLessThan(pushedBytes / 5);
  });
});
