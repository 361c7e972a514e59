/**
 * deploy/entrypoint.sh, run for real with a fake `litestream` on PATH: what it
 * restores and in which order, the config it renders, the command it hands to
 * `litestream replicate -exec`, and the watcher that covers projects created
 * after the start. The rendered config is also fed to the real Litestream.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { cleanEnv, ENTRYPOINT, GroupProcess, litestreamBinary, makeTempDir, pathWith, removeDir, waitFor } from './support/deploy-support';
import { FakeLitestream } from './support/fake-litestream';

const P_A = 'p_aaaaaaaaaaaaaaaa';
const P_B = 'p_bbbbbbbbbbbbbbbb';
const P_C = 'p_cccccccccccccccc';
const P_D = 'p_dddddddddddddddd';

interface LitestreamConfig {
  dbs: Array<{ path: string; replicas: Array<Record<string, string>> }>;
}

/** A server database with the projects table as the storage migration creates it. */
function writeServerDb(path: string, projects: Array<{ id: string; deleted?: boolean }>): void {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = wal');
    db.exec(`CREATE TABLE projects (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
      created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT)`);
    const insert = db.prepare('INSERT INTO projects (id, name, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?)');
    const now = new Date().toISOString();
    for (const p of projects) insert.run(p.id, p.id, now, now, p.deleted ? now : null);
  } finally {
    db.close();
  }
}

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

describe('deploy/entrypoint.sh', () => {
  let tmp: string;
  let fake: FakeLitestream;
  let dataDir: string;
  let serverDb: string;
  let projectDir: string;
  let config: string;
  let running: GroupProcess | undefined;

  beforeEach(() => {
    tmp = makeTempDir('entrypoint');
    fake = new FakeLitestream(join(tmp, 'fake'));
    dataDir = join(tmp, 'data');
    serverDb = join(dataDir, 'server.db');
    projectDir = join(dataDir, 'projects');
    config = join(tmp, 'run', 'litestream.yml');
  });

  afterEach(async () => {
    await running?.destroy();
    running = undefined;
    removeDir(tmp);
  });

  function start(args: string[], env: Record<string, string> = {}): GroupProcess {
    running = new GroupProcess('sh', [ENTRYPOINT, ...args], {
      env: cleanEnv({
        PATH: pathWith(fake.binDir),
        FAKE_LITESTREAM_DIR: fake.dir,
        SYNC_SERVER_DB_PATH: serverDb,
        SYNC_PROJECT_DATA_DIR: projectDir,
        LITESTREAM_CONFIG: config,
        TD_PROJECT_SCAN_INTERVAL: '0',
        ...env,
      }),
    });
    return running;
  }

  async function run(args: string[], env: Record<string, string> = {}): Promise<GroupProcess> {
    const process = start(args, env);
    await process.exited;
    return process;
  }

  /** A stand-in server that records its arguments and exits. */
  const recordingServer = (log: string) => ['sh', '-c', 'printf "%s\\n" "$@" >"$0"', log];

  const restoreCall = (db: string) => `restore -config ${config} -if-replica-exists ${db}`;
  const dbPaths = (yamlText: string) => (parse(yamlText) as LitestreamConfig).dbs.map((db) => db.path);
  const projectDb = (id: string) => join(projectDir, id, 'events.db');

  it('on an empty volume restores server.db, then every project it lists, then runs the server under litestream replicate -exec', async () => {
    writeServerDb(fake.replicaPathOf(serverDb), [{ id: P_A }, { id: P_B, deleted: true }, { id: P_C }]);
    writeFile(fake.replicaPathOf(projectDb(P_A)), 'events of a');
    writeFile(fake.replicaPathOf(projectDb(P_B)), 'events of b');
    // P_C has no replica: created after the last backup reached the replica.
    const serverLog = join(tmp, 'server-args.log');

    const entrypoint = await run([...recordingServer(serverLog), "it's", 'two words']);

    expect(entrypoint.output).toContain(`project ${P_C} is in the server database but has no event database and no replica`);
    expect(entrypoint.exitCode).toBe(0);
    const calls = fake.calls();
    expect(calls).toEqual([
      restoreCall(serverDb),
      restoreCall(projectDb(P_A)),
      restoreCall(projectDb(P_B)),
      restoreCall(projectDb(P_C)),
      expect.stringMatching(new RegExp(`^replicate -config ${config} -exec `)),
    ]);
    // The server got its arguments intact through Litestream's shell-word splitting.
    expect(readFileSync(serverLog, 'utf8')).toBe("it's\ntwo words\n");
    expect(readFileSync(projectDb(P_A), 'utf8')).toBe('events of a');
    expect(readFileSync(projectDb(P_B), 'utf8')).toBe('events of b');
    expect(existsSync(join(projectDir, P_C))).toBe(false);

    // Litestream ran with server.db and every project database now on the volume.
    const rendered = parse(fake.replicateConfig(5)) as LitestreamConfig;
    expect(rendered.dbs.map((db) => db.path)).toEqual([serverDb, projectDb(P_A), projectDb(P_B)]);
    expect(rendered.dbs.map((db) => db.replicas)).toEqual(
      ['server.db', `projects/${P_A}/events.db`, `projects/${P_B}/events.db`].map((name) => [
        {
          name: 'file',
          type: 'file',
          path: `\${LITESTREAM_BACKUP_DIR}/${name}`,
          'sync-interval': '${LITESTREAM_SYNC_INTERVAL}',
          'snapshot-interval': '6h',
          retention: '72h',
        },
      ]),
    );
  });

  it('renders a config that the real Litestream 0.3.13 accepts', async () => {
    mkdirSync(join(projectDir, P_A), { recursive: true });
    writeServerDb(serverDb, [{ id: P_A }]);
    writeFile(projectDb(P_A), '');

    // FAKE_LITESTREAM_NO_EXEC keeps the fake replicating until it is killed.
    start(['true'], { FAKE_LITESTREAM_NO_EXEC: '1' });
    await waitFor('the replicate call', () => fake.calls().length > 0, 20_000, () => running?.output ?? '');
    await running?.destroy();

    const check = spawnSync(litestreamBinary(), ['databases', '-config', config], {
      encoding: 'utf8',
      env: cleanEnv({ LITESTREAM_BACKUP_DIR: join(tmp, 'backups'), LITESTREAM_SYNC_INTERVAL: '1s' }),
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout).toContain(serverDb);
    expect(check.stdout).toContain(projectDb(P_A));
  }, 30_000);

  it('restores nothing when the databases are on the volume, and replicates every project database found there', async () => {
    writeServerDb(serverDb, [{ id: P_A }]);
    writeFile(projectDb(P_A), '');
    writeFile(projectDb(P_D), ''); // on disk only: replicated all the same
    mkdirSync(join(projectDir, 'p_not-an-id'), { recursive: true });
    writeFile(join(projectDir, 'p_eeeeeeeeeeeeeeee', 'notes.txt'), 'no events.db here');
    writeFile(join(projectDir, 'README'), 'not a project');

    const entrypoint = await run(['true']);

    expect(entrypoint.exitCode).toBe(0);
    const calls = fake.calls();
    expect(calls).toEqual([`replicate -config ${config} -exec 'true'`]);
    expect(dbPaths(fake.replicateConfig(1))).toEqual([serverDb, projectDb(P_A), projectDb(P_D)]);
  });

  it('restores a single missing project database and leaves the others alone', async () => {
    writeServerDb(serverDb, [{ id: P_A }, { id: P_B }]);
    writeFile(projectDb(P_A), 'live a');
    writeFile(fake.replicaPathOf(projectDb(P_A)), 'old a');
    writeFile(fake.replicaPathOf(projectDb(P_B)), 'events of b');

    const entrypoint = await run(['true']);

    expect(entrypoint.exitCode).toBe(0);
    expect(fake.calls()).toEqual([restoreCall(projectDb(P_B)), expect.stringMatching(/^replicate /)]);
    expect(readFileSync(projectDb(P_A), 'utf8')).toBe('live a');
    expect(readFileSync(projectDb(P_B), 'utf8')).toBe('events of b');
  });

  it('starts empty when there is no replica at all', async () => {
    const entrypoint = await run(['true']);

    expect(entrypoint.exitCode).toBe(0);
    expect(fake.calls()).toEqual([restoreCall(serverDb), `replicate -config ${config} -exec 'true'`]);
    expect(dbPaths(fake.replicateConfig(2))).toEqual([serverDb]);
  });

  it('does not start the server when the replica cannot be read', async () => {
    const entrypoint = await run(['true'], { FAKE_LITESTREAM_RESTORE_FAILS: '1' });

    expect(entrypoint.exitCode).not.toBe(0);
    expect(fake.calls()).toEqual([restoreCall(serverDb)]);
    expect(entrypoint.output).toContain('cannot read the replica');
  });

  it('runs the built server by default', async () => {
    writeServerDb(serverDb, []);

    start([], { FAKE_LITESTREAM_NO_EXEC: '1' });
    await waitFor('the replicate call', () => fake.calls().length > 0, 20_000, () => running?.output ?? '');

    const appDir = dirname(dirname(ENTRYPOINT));
    expect(fake.calls()).toEqual([`replicate -config ${config} -exec 'node' '${appDir}/dist/apps/td-sync/src/main.js'`]);
  });

  it.each([
    ['SYNC_PROJECT_DATA_DIR', 'data dir/projects'],
    ['SYNC_SERVER_DB_PATH', '/data/server|db'],
    ['TD_PROJECT_SCAN_INTERVAL', '1m'],
  ])('refuses %s=%j before touching anything', async (name, value) => {
    const entrypoint = await run(['true'], { [name]: value });

    expect(entrypoint.exitCode).toBe(1);
    expect(entrypoint.output).toContain(name === 'TD_PROJECT_SCAN_INTERVAL' ? name : 'unsupported path');
    expect(fake.calls()).toEqual([]);
  });

  it('replicates projects created after the start with a second litestream process', async () => {
    writeServerDb(serverDb, [{ id: P_A }]);
    writeFile(projectDb(P_A), '');
    const P_F = 'p_ffffffffffffffff';
    const P_9 = 'p_9999999999999999';
    const newProjectsConfig = config.replace(/\.yml$/, '-new-projects.yml');

    start(['sleep', '600'], { TD_PROJECT_SCAN_INTERVAL: '1' });
    const diagnostics = () => `${running?.output}\ncalls:\n${fake.calls().join('\n')}`;
    await waitFor('the main replicate call', () => fake.calls().length === 1 && fake.replicateStarted(1), 20_000, diagnostics);
    expect(dbPaths(fake.replicateConfig(1))).toEqual([serverDb, projectDb(P_A)]);

    writeFile(projectDb(P_F), '');
    await waitFor(`a replicate call for ${P_F}`, () => fake.calls().length === 2 && fake.replicateStarted(2), 20_000, diagnostics);
    expect(fake.calls()[1]).toBe(`replicate -config ${newProjectsConfig}`);
    expect(dbPaths(fake.replicateConfig(2))).toEqual([projectDb(P_F)]);

    // Another one: the second process is restarted with both new projects.
    writeFile(projectDb(P_9), '');
    await waitFor(`a replicate call for ${P_9}`, () => fake.calls().length === 3 && fake.replicateStarted(3), 20_000, diagnostics);
    expect(fake.calls()[2]).toBe(`replicate -config ${newProjectsConfig}`);
    expect(dbPaths(fake.replicateConfig(3))).toEqual([projectDb(P_F), projectDb(P_9)]);
    expect(running?.output).toContain(`replicating projects created since the start: ${P_9}`);
    expect(running?.running).toBe(true);
  }, 60_000);
});
