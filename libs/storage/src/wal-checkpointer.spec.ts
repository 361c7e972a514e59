import { walHeader } from '@td-sync/testing';
import BetterSqlite3, { Database } from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHECKPOINT_PROCESS_NODE_OPTIONS, WalCheckpointer } from './wal-checkpointer';

const onLinux = process.platform === 'linux' ? it : it.skip;

/**
 * What the probe process runs on its main thread and on a worker thread:
 * 40 MB of short-lived objects, then the size of the isolate's young
 * generation. V8 grows a young generation under allocation up to its cap,
 * so the size is the cap in effect.
 */
const YOUNG_GENERATION_AFTER_CHURN = `(() => {
  let kept = [];
  for (let i = 0; i < 1e6; i++) {
    kept.push({ i, text: 'x' + i });
    if (kept.length > 10000) kept = [];
  }
  return require('node:v8').getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
})()`;

/** A process started the way WalCheckpointer starts the checkpoint process: the options, then `-e` and a script that runs a worker thread from source. */
const PROBE = `
const { Worker } = require('node:worker_threads');
const main = ${YOUNG_GENERATION_AFTER_CHURN};
const worker = new Worker(${JSON.stringify(`require('node:worker_threads').parentPort.postMessage(${YOUNG_GENERATION_AFTER_CHURN})`)}, { eval: true });
worker.once('message', (thread) => {
  process.stdout.write(JSON.stringify({ main, thread }));
  void worker.terminate();
});
`;

async function youngGenerations(env: NodeJS.ProcessEnv): Promise<{ main: number; thread: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, [...CHECKPOINT_PROCESS_NODE_OPTIONS, '-e', PROBE], { env });
  return JSON.parse(stdout) as { main: number; thread: number };
}

const MB = 1024 * 1024;

describe('the checkpoint process options', () => {
  it('cap the young generation of the process and of each of its threads at 2 MB', async () => {
    const { NODE_OPTIONS: _unset, ...env } = process.env;
    const sizes = await youngGenerations(env);
    expect(sizes.main).toBeLessThanOrEqual(2 * MB);
    expect(sizes.thread).toBeLessThanOrEqual(2 * MB);
  });

  it('hold whatever NODE_OPTIONS the server was given (the Docker image sets an 8 MB young generation there)', async () => {
    const sizes = await youngGenerations({ ...process.env, NODE_OPTIONS: '--max-semi-space-size=4' });
    expect(sizes.main).toBeLessThanOrEqual(2 * MB);
    expect(sizes.thread).toBeLessThanOrEqual(2 * MB);
  });
});

describe('a WAL started afresh while the server holds its commits (WalCheckpointer.restart)', () => {
  let dir: string;
  let path: string;
  let db: Database;
  let checkpointer: WalCheckpointer;
  /** The WAL header's salts: starting the WAL afresh writes new ones. */
  const walSalts = () => walHeader(path)!.salts;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-restart-'));
    path = join(dir, 'events.db');
    // The server's connection, as it keeps a project database: WAL, synchronous=NORMAL.
    db = new BetterSqlite3(path);
    db.pragma('journal_mode = wal');
    db.pragma('synchronous = normal');
    db.exec('CREATE TABLE events (payload TEXT NOT NULL)');
    checkpointer = new WalCheckpointer();
  });

  afterEach(async () => {
    await checkpointer.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // A busy project's WAL: cutting it (freeing its blocks and syncing that) took 12-21 ms while the commits waited,
  // and the pushes grow it back within a quarter of a second. A quiet one is cut (project-databases.spec).
  onLinux('leaves the file its size', async () => {
    const insert = db.prepare('INSERT INTO events (payload) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) insert.run('x'.repeat(1000));
    })();
    const { size } = statSync(`${path}-wal`);
    expect(size).toBeGreaterThan(2 * 1024 * 1024);
    const { dev, ino } = statSync(path);
    expect(await checkpointer.hold(path, false)).toEqual({ dev, ino });
    const salts = walSalts();

    expect(await checkpointer.restart({ path, dev, ino }, 10_000)).toBe(true);

    expect(walSalts()).not.toBe(salts);
    expect(statSync(`${path}-wal`).size).toBe(size);
    insert.run('after');
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(3001);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
