import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { http, HttpResult } from '../support/http';
import { loginViaUserCode } from '../support/login';
import { BUILT_MAIN } from '../support/spawned-server';

/**
 * Issue 18, "file descriptors run out at default settings": every open project
 * database holds descriptors, and at a low limit the server used to fail
 * project creations from the 75th project on, leave their directories behind
 * and stop accepting connections for good. The open-project cache now budgets
 * descriptors from the process's limit, and an open that runs out anyway
 * frees some and tries again. Held here against the built server under
 * `ulimit -n 256`, and against the storage layer itself with fewer
 * descriptors than it has databases to open.
 */

const LIMIT = 256;
const PROJECTS = 1000;
const CLIENTS = 8;
/** What a liveness probe allows (the shipped Kubernetes probe's timeout). */
const PROBE_TIMEOUT_MS = 5000;
const PROBE_PERIOD_MS = 100;

interface LimitedServer {
  process: ChildProcess;
  url: string;
  dataDir: string;
  stdout: string[];
  exited: Promise<number | string>;
}

/**
 * Where the data goes: memory (tmpfs) where there is one with room for it
 * (about 20 MB). What is tested is descriptors, not the disk, and on a busy
 * machine a thousand creations' fsyncs can take minutes.
 */
function scratchDirectory(): string {
  try {
    const shm = statfsSync('/dev/shm');
    if (shm.bavail * shm.bsize > 200 * 2 ** 20) return '/dev/shm';
  } catch {
    // No /dev/shm.
  }
  return tmpdir();
}

/** The built server, started by a shell that lowers the descriptor limit first (soft and hard, so Node cannot raise it back). */
async function spawnWithDescriptorLimit(limit: number): Promise<LimitedServer> {
  const dataDir = mkdtempSync(join(scratchDirectory(), 'td-sync-fd-budget-'));
  const child = spawn('sh', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, BUILT_MAIN], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH,
      SYNC_LISTEN_ADDR: '127.0.0.1:0',
      SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'),
      SYNC_PROJECT_DATA_DIR: join(dataDir, 'projects'),
      SYNC_CODE_LOGIN: 'direct', // loginViaUserCode: the code alone logs in
      SYNC_RATE_LIMIT_AUTH: '0',
      SYNC_RATE_LIMIT_PUSH: '0',
      SYNC_RATE_LIMIT_PULL: '0',
      SYNC_RATE_LIMIT_OTHER: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | string>((done) => child.on('exit', (code, signal) => done(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      const listening = /listening on (http:\/\/[^\s"]+)/.exec(line);
      if (listening) resolveUrl(listening[1]);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stderr.join('\n')}`)));
  });
  return { process: child, url, dataDir, stdout, exited };
}

/** A request that must succeed: its status, or the failure, is recorded against what it was for. */
type Outcome = { what: string; status: number | string };

describe(`the built server under ulimit -n ${LIMIT}`, () => {
  let server: LimitedServer;

  beforeAll(async () => {
    server = await spawnWithDescriptorLimit(LIMIT);
  });
  afterAll(async () => {
    if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGTERM');
    await server.exited;
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  it(`creates ${PROJECTS} projects and pushes to and pulls from each, interleaved, with every request answered and /healthz up throughout`, async () => {
    // The budget is derived from the limit and logged, in the start-up line.
    const startLine = JSON.parse(server.stdout.find((line) => line.includes('listening on'))!) as { storage: object };
    expect(startLine.storage).toMatchObject({ descriptor_limit: LIMIT, project_databases_open_at_most: 53 });

    const { apiKey } = await loginViaUserCode(server, 'descriptors@example.com');
    const failures: Outcome[] = [];
    const expectStatus = (what: string, result: HttpResult, status: number): void => {
      if (result.status !== status) failures.push({ what, status: `${result.status} ${result.text.slice(0, 200)}` });
    };

    // The liveness probe, as Kubernetes runs it, for as long as the load lasts.
    let loading = true;
    const probes: Outcome[] = [];
    const probing = (async () => {
      while (loading) {
        try {
          const response = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
          await response.text();
          probes.push({ what: 'healthz', status: response.status });
        } catch (error) {
          probes.push({ what: 'healthz', status: (error as Error).name });
        }
        await new Promise((done) => setTimeout(done, PROBE_PERIOD_MS));
      }
    })();

    // Each client creates a project, pushes two events to it and pulls a
    // project created earlier (by then most likely closed again: only 53 fit),
    // checking it holds exactly its own two events.
    const created: string[] = [];
    let next = 0;
    const client = async (): Promise<void> => {
      while (next < PROJECTS) {
        const n = next++;
        const project = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey, body: { name: `fd-${n}` } });
        expectStatus(`create ${n}`, project, 201);
        if (project.status !== 201) continue;
        const id = project.body.id;
        const pushed = await http(server.url, 'POST', `/v1/projects/${id}/sync/push`, {
          apiKey,
          body: { device_id: `dev-${n}`, session_id: 's', events: [event(1, n), event(2, n)] },
        });
        expectStatus(`push ${n}`, pushed, 200);
        created.push(id);
        const earlier = created[Math.floor(Math.random() * created.length)];
        const pulled = await http<{ events: Array<{ server_seq: number; entity_id: string }> }>(
          server.url,
          'GET',
          `/v1/projects/${earlier}/sync/pull?after_server_seq=0`,
          { apiKey },
        );
        expectStatus(`pull ${earlier}`, pulled, 200);
        if (pulled.status === 200 && pulled.body.events.map((e) => e.server_seq).join() !== '1,2') {
          failures.push({ what: `pull ${earlier}`, status: `events ${JSON.stringify(pulled.body.events)}` });
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: CLIENTS }, client));
    } finally {
      loading = false;
      await probing;
    }

    expect(failures).toEqual([]);
    expect(created).toHaveLength(PROJECTS);
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.filter((probe) => probe.status !== 200)).toEqual([]);
    // Exactly one directory per project: nothing left behind by a failed attempt.
    expect(readdirSync(join(server.dataDir, 'projects')).sort()).toEqual([...created].sort());
    // The churn never ran the server out of descriptors, so nothing had to be retried.
    expect(server.stdout.filter((line) => line.includes('out of file descriptors'))).toEqual([]);
    expect(server.process.exitCode).toBeNull();
  }, 180_000); // about 10 s on the shared 2-core machine at its usual load; the margin is for a much busier one
});

const STORAGE = resolve(__dirname, '../../../../dist/libs/storage/src/project-databases.js');

/**
 * What the storage layer does when the budget is wrong and descriptors run
 * out for real (sockets beyond the reserve would do that): the script below
 * runs the built ProjectDatabases in a process limited to 64 descriptors
 * while telling it the limit is huge, so nothing stops it from opening more
 * databases than fit, and reports what happened.
 */
const EXHAUSTION_SCRIPT = `
const { closeSync, existsSync, openSync } = require('node:fs');
const { join } = require('node:path');
const { ProjectDatabases } = require(process.argv[1]);
const dir = process.argv[2];
const id = (n) => 'p_' + n.toString(16).padStart(16, '0');
const insert = (db, n) => db.prepare("INSERT INTO events (device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp) VALUES ('d', 's', ?, 'create', 'issues', 'e', '{}', 't', 't')").run(n);
(async () => {
  const result = {};
  const databases = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 1000, descriptorLimit: 100000 });
  // 40 databases need 120 descriptors: each create past the limit has to close others and try again.
  for (let n = 1; n <= 40; n++) {
    await databases.create(id(n));
    insert(await databases.get(id(n)), n);
    databases.written(id(n));
  }
  result.openAfterCreating = databases.openCount;
  // Every one of them reopens and still holds its event.
  result.readBack = [];
  for (let n = 1; n <= 40; n++) result.readBack.push((await databases.get(id(n))).prepare('SELECT client_action_id FROM events').pluck().get());
  await databases.closeAll();

  // Now with nothing open to close: the descriptors are all taken, and a creation fails, leaving nothing behind.
  const hogged = [];
  try {
    for (;;) hogged.push(openSync('/dev/null', 'r'));
  } catch {}
  closeSync(hogged.pop()); closeSync(hogged.pop()); // room for the directory's database file and one more, not for all three
  const fresh = new ProjectDatabases({ serverDbPath: '', projectDataDir: dir, maxOpenProjects: 1000, descriptorLimit: 100000 });
  result.failure = await fresh.create(id(99)).then(() => 'created', (error) => error.name);
  result.leftBehind = existsSync(join(dir, id(99)));
  for (const fd of hogged) closeSync(fd);
  // With descriptors back, the same creation works.
  result.afterwards = await fresh.create(id(99)).then(() => 'created', (error) => error.name);
  await fresh.closeAll();
  console.log('RESULT ' + JSON.stringify(result));
})().catch((error) => { console.log('RESULT ' + JSON.stringify({ crashed: error.stack })); });
`;

describe('the project database layer when descriptors run out (built module, ulimit -n 64)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-fd-exhaustion-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('closes least recently used databases and tries again instead of failing, and a creation that cannot succeed leaves no directory', async () => {
    expect(existsSync(STORAGE)).toBe(true);
    const { stdout } = await promisify(execFile)('sh', ['-c', 'ulimit -n 64 && exec "$0" "$@"', process.execPath, '-e', EXHAUSTION_SCRIPT, STORAGE, dir], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    const result = JSON.parse(line!.slice('RESULT '.length));
    expect(result.crashed).toBeUndefined();
    expect(result.readBack).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(result.openAfterCreating).toBeLessThan(20);
    expect(stdout).toMatch(/out of file descriptors \(limit 100000\) for project p_0+\w+: closed \d+ least recently used project databases/);
    expect(result.failure).toBe('DescriptorShortageError');
    expect(result.leftBehind).toBe(false);
    expect(result.afterwards).toBe('created');
    expect(readdirSync(dir).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `p_${(i + 1).toString(16).padStart(16, '0')}`).concat('p_0000000000000063').sort());
  });
});

function event(clientActionId: number, n: number) {
  return {
    client_action_id: clientActionId,
    action_type: 'create',
    entity_type: 'issues',
    entity_id: `td-${n}-${clientActionId}`,
    payload: { schema_version: 1, new_data: { title: `issue ${n}` }, previous_data: {} },
    client_timestamp: '2026-01-31T08:15:02.123Z',
  };
}
