import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError } from '../../src/config/config-validation-error';
import { spawnServer, SpawnedServer } from '../support/spawned-server';
import { backends, startTestServer } from '../support/test-server';

/**
 * Issue 18, low: an unusable SYNC_SERVER_DB_PATH used to cost ~30 s of retries
 * and a stack trace naming no setting; an unwritable SYNC_PROJECT_DATA_DIR
 * started "healthy" and failed every project creation. Now the start fails at
 * once with exit code 2 and one line, in the configured log format, naming the
 * variable. The paths are made unusable in ways that bind root too (CI runs
 * as root): a directory that would have to live inside a regular file, and a
 * database path that is a directory.
 */
describe('a data path the server cannot use', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'td-sync-paths-'));
  const blocker = join(scratch, 'a-file');
  const started: SpawnedServer[] = [];

  beforeAll(() => writeFileSync(blocker, 'not a directory'));
  afterAll(async () => {
    for (const server of started) {
      if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
      await server.exited;
      rmSync(server.dataDir, { recursive: true, force: true });
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  async function failedStart(env: Record<string, string>): Promise<SpawnedServer> {
    const server = await spawnServer({ env, waitUntilListening: false });
    started.push(server);
    expect(await server.exited).toBe(2);
    return server;
  }

  it.each([
    ['SYNC_SERVER_DB_PATH', join(blocker, 'server.db')],
    ['SYNC_SERVER_DB_PATH', scratch],
    ['SYNC_PROJECT_DATA_DIR', join(blocker, 'projects')],
    ['SYNC_PROJECT_DATA_DIR', blocker],
  ])('stops the start at once when %s=%s: exit 2, one JSON line naming the variable, nothing created', async (variable, path) => {
    const server = await failedStart({ [variable]: path });
    expect(server.stdout).toEqual([]);
    expect(server.stderr).toHaveLength(1);
    const line = JSON.parse(server.stderr[0]) as { level: number; msg: string };
    expect(line.level).toBe(60);
    expect(line.msg).toContain(`${variable}=${JSON.stringify(path)}`);
    expect(line.msg).toMatch(/ENOTDIR|EISDIR|not a (regular file|directory)/);
    // Nothing was opened: neither database appeared.
    expect(readdirSync(server.dataDir)).toEqual([]);
  });

  it('writes the line as text with SYNC_LOG_FORMAT=text', async () => {
    const server = await failedStart({ SYNC_PROJECT_DATA_DIR: join(blocker, 'projects'), SYNC_LOG_FORMAT: 'text' });
    expect(server.stderr).toEqual([expect.stringMatching(/^td-sync: invalid SYNC_PROJECT_DATA_DIR=".*": expected .*ENOTDIR/)]);
  });

  it('creates missing directories on the way, and leaves no trace of its check', async () => {
    const fresh = join(scratch, 'fresh');
    const server = await spawnServer({ env: { SYNC_SERVER_DB_PATH: join(fresh, 'db', 'server.db'), SYNC_PROJECT_DATA_DIR: join(fresh, 'deep', 'projects') } });
    started.push(server);
    expect(existsSync(join(fresh, 'db', 'server.db'))).toBe(true);
    expect(readdirSync(join(fresh, 'deep', 'projects'))).toEqual([]);
    expect(readdirSync(join(fresh, 'db')).filter((name) => name.startsWith('.td-sync'))).toEqual([]);
  });

  it('fails createApp itself with a ConfigValidationError, for in-process servers too', async () => {
    const dir = join(scratch, 'in-process');
    mkdirSync(dir);
    await expect(startTestServer({ SYNC_PROJECT_DATA_DIR: join(blocker, 'projects') }, { dataDir: dir })).rejects.toBeInstanceOf(ConfigValidationError);
    expect(readdirSync(dir)).toEqual([]);
  });

  (backends().includes('postgres') ? it : it.skip)('leaves the SQLite paths alone with PostgreSQL, which does not use them', async () => {
    const server = await startTestServer(
      { SYNC_SERVER_DB_PATH: join(blocker, 'server.db'), SYNC_PROJECT_DATA_DIR: join(blocker, 'projects') },
      { backend: 'postgres' },
    );
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
