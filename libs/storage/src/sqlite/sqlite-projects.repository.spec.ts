import BetterSqlite3 from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectDatabases } from '../project-databases';
import { SqliteProjectsRepository } from './sqlite-projects.repository';
import { SqliteServerDatabase } from './sqlite-server-database';
import { SqliteUsersRepository } from './sqlite-users.repository';

/** Creation is two steps on two databases; these cases make each step fail for real. */
describe('SqliteProjectsRepository.createWithOwner (real databases)', () => {
  let dir: string;
  let server: SqliteServerDatabase;
  let databases: ProjectDatabases;
  let projects: SqliteProjectsRepository;

  async function start(projectDataDir: string): Promise<void> {
    server = await SqliteServerDatabase.open(join(dir, 'server.db'));
    databases = new ProjectDatabases({ serverDbPath: join(dir, 'server.db'), projectDataDir, maxOpenProjects: 4 });
    projects = new SqliteProjectsRepository(server.connection, databases);
  }

  async function addUser(): Promise<string> {
    const user = await new SqliteUsersRepository(server.connection).findOrCreate({ id: 'u_00000000000000aa', email: 'owner@example.com', created_at: new Date().toISOString() });
    return user.id;
  }

  /** Read through a connection of its own, as any other reader of the file would. */
  function count(table: 'projects' | 'memberships'): number {
    const reader = new BetterSqlite3(join(dir, 'server.db'), { readonly: true });
    try {
      return reader.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    } finally {
      reader.close();
    }
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-projects-'));
  });
  afterEach(async () => {
    await databases?.closeAll();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the row, the owner membership and the event database', async () => {
    await start(join(dir, 'projects'));
    const ownerId = await addUser();
    const project = await projects.createWithOwner({ id: 'p_0000000000000001', name: 'ok', description: '' }, ownerId);
    expect(existsSync(join(dir, 'projects', project.id, 'events.db'))).toBe(true);
    expect(count('projects')).toBe(1);
    const owner = server.connection.prepare('SELECT user_id, role, invited_by FROM memberships WHERE project_id = ?').get(project.id);
    expect(owner).toEqual({ user_id: ownerId, role: 'owner', invited_by: null });
    expect(project).toMatchObject({ id: 'p_0000000000000001', name: 'ok', description: '', deleted_at: null });
    expect(project.created_at).toBe(project.updated_at);
  });

  it('leaves no row behind when the event database cannot be created', async () => {
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, 'a file where the project data directory should be');
    await start(join(blocker, 'projects'));
    const ownerId = await addUser();
    await expect(projects.createWithOwner({ id: 'p_0000000000000002', name: 'doomed', description: '' }, ownerId)).rejects.toThrow();
    expect(count('projects')).toBe(0);
    expect(count('memberships')).toBe(0);
  });

  it('removes the new event database when the rows cannot be written', async () => {
    await start(join(dir, 'projects'));
    // No such user: the membership's foreign key fails after the database was made.
    // (SqliteError is not a real Error subclass, so jest's toThrow cannot always see it: match its fields.)
    await expect(projects.createWithOwner({ id: 'p_0000000000000003', name: 'doomed', description: '' }, 'u_0000000000000404')).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_FOREIGNKEY',
    });
    expect(count('projects')).toBe(0);
    expect(count('memberships')).toBe(0);
    expect(readdirSync(join(dir, 'projects'))).toEqual([]);
    expect(databases.openCount).toBe(0);
  });

  it('counts an id as in use once a project has it, or a directory on disk does', async () => {
    await start(join(dir, 'projects'));
    const ownerId = await addUser();
    await projects.createWithOwner({ id: 'p_0000000000000004', name: 'taken', description: '' }, ownerId);
    expect(await projects.idInUse('p_0000000000000004')).toBe(true);
    expect(await projects.softDelete('p_0000000000000004')).toBe(true);
    expect(await projects.idInUse('p_0000000000000004')).toBe(true);
    expect(await projects.idInUse('p_0000000000000005')).toBe(false);
    // A directory without a row (left by a crash mid-creation) is never reused.
    mkdirSync(join(dir, 'projects', 'p_0000000000000005'));
    expect(await projects.idInUse('p_0000000000000005')).toBe(true);
  });
});
