import { execFileSync } from 'node:child_process';
import { DESCRIPTORS_PER_PROJECT_DATABASE, MIN_DESCRIPTOR_RESERVE, projectDatabaseBudget } from './project-database-budget';
import { readOpenFileLimit } from './open-file-limit';

describe('projectDatabaseBudget', () => {
  it('keeps a quarter of the limit (at least the minimum) for everything else and fills the rest at three descriptors a database', () => {
    expect(projectDatabaseBudget(1024, 10_000)).toEqual({ capacity: 256, reserve: 256, boundBy: 'descriptors' });
    expect(projectDatabaseBudget(256, 10_000)).toEqual({ capacity: 53, reserve: MIN_DESCRIPTOR_RESERVE, boundBy: 'descriptors' });
    expect(projectDatabaseBudget(4096, 10_000)).toEqual({ capacity: 1024, reserve: 1024, boundBy: 'descriptors' });
    expect(DESCRIPTORS_PER_PROJECT_DATABASE).toBe(3);
  });

  it('is capped by SYNC_MAX_OPEN_PROJECTS', () => {
    expect(projectDatabaseBudget(1_048_576, 256)).toEqual({ capacity: 256, reserve: 262_144, boundBy: 'maxOpenProjects' });
    expect(projectDatabaseBudget(1024, 100)).toMatchObject({ capacity: 100, boundBy: 'maxOpenProjects' });
  });

  it('always allows one open database, however low the limit', () => {
    expect(projectDatabaseBudget(64, 256)).toMatchObject({ capacity: 1, boundBy: 'descriptors' });
    expect(projectDatabaseBudget(Number.MAX_SAFE_INTEGER, 256).capacity).toBe(256);
  });
});

describe('readOpenFileLimit', () => {
  it('reads the soft limit of this process, as a shell it starts sees it', () => {
    const limit = readOpenFileLimit();
    expect(limit.source).toBe(process.platform === 'linux' ? '/proc/self/limits' : 'ulimit -n');
    const shell = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    expect(limit.descriptors).toBe(shell === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(shell));
  });
});
