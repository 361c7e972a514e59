import { Test, TestingModule } from '@nestjs/testing';
import { Membership, Project, ProjectDatabases, StorageModule, User } from '@td-sync/storage';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ProjectsService } from './projects.service';

/** Creation is two steps on two databases; these cases make each step fail for real. */
describe('ProjectsService.create (real databases)', () => {
  let dir: string;
  let moduleRef: TestingModule;

  async function start(projectDataDir: string): Promise<void> {
    moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRootAsync({
          useFactory: () => ({ serverDbPath: join(dir, 'server.db'), projectDataDir, maxOpenProjects: 4 }),
        }),
      ],
      providers: [ProjectsService],
    }).compile();
  }

  async function addUser(): Promise<string> {
    const id = 'u_00000000000000aa';
    await moduleRef.get(DataSource).getRepository(User).insert({ id, email: 'owner@example.com', created_at: new Date().toISOString() });
    return id;
  }

  const count = (entity: typeof Project | typeof Membership) => moduleRef.get(DataSource).getRepository(entity).count();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-projects-'));
  });
  afterEach(async () => {
    await moduleRef?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the row, the owner membership and the event database', async () => {
    await start(join(dir, 'projects'));
    const ownerId = await addUser();
    const project = await moduleRef.get(ProjectsService).create(ownerId, { name: 'ok', description: '' });
    expect(existsSync(join(dir, 'projects', project.id, 'events.db'))).toBe(true);
    expect(await count(Project)).toBe(1);
    expect(await moduleRef.get(DataSource).getRepository(Membership).findOneBy({ project_id: project.id })).toMatchObject({
      user_id: ownerId,
      role: 'owner',
      invited_by: null,
    });
  });

  it('leaves no row behind when the event database cannot be created', async () => {
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, 'a file where the project data directory should be');
    await start(join(blocker, 'projects'));
    const ownerId = await addUser();
    await expect(moduleRef.get(ProjectsService).create(ownerId, { name: 'doomed', description: '' })).rejects.toThrow();
    expect(await count(Project)).toBe(0);
    expect(await count(Membership)).toBe(0);
  });

  it('removes the new event database when the rows cannot be written', async () => {
    await start(join(dir, 'projects'));
    // No such user: the membership's foreign key fails after the database was made.
    // (SqliteError is not a real Error subclass, so jest's toThrow cannot always see it: match its fields.)
    await expect(moduleRef.get(ProjectsService).create('u_0000000000000404', { name: 'doomed', description: '' })).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_FOREIGNKEY',
    });
    expect(await count(Project)).toBe(0);
    expect(await count(Membership)).toBe(0);
    expect(readdirSync(join(dir, 'projects'))).toEqual([]);
    expect(moduleRef.get(ProjectDatabases).openCount).toBe(0);
  });
});
