import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectDatabases } from '../project-databases';
import type { ProjectRole } from '../records/membership';
import type { AccessDecision } from '../repositories/access-decision';
import type { PushBatch } from '../repositories/event-store';
import { SqliteEventLog } from './sqlite-event-log';
import { SqliteEventStore } from './sqlite-event-store';
import { SqliteMembershipsRepository } from './sqlite-memberships.repository';
import { SqliteProjectsRepository } from './sqlite-projects.repository';
import { SqliteServerDatabase } from './sqlite-server-database';
import { SqliteUsersRepository } from './sqlite-users.repository';

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
    // One open project at a time: creating a second one closes the first.
    databases = new ProjectDatabases({ serverDbPath: join(dir, 'server.db'), projectDataDir: join(dir, 'projects'), maxOpenProjects: 1 });
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
});
