/**
 * One td-sync server process under test: the production build (dist/), on a
 * free loopback port, with its own scratch directory, configured only through
 * SYNC_* variables like any deployment.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STOP_GRACE_MS = 15_000;
const START_TIMEOUT_MS = 60_000;

/**
 * The options `npm start` gives Node (package.json's start script: the young
 * generation's size, see docs/performance.md, Memory): the bench measures the
 * server as it is deployed.
 */
export function npmStartNodeOptions() {
  const packageJson = join(dirname(fileURLToPath(import.meta.url)), '../../package.json');
  const start = JSON.parse(readFileSync(packageJson, 'utf8')).scripts.start;
  const options = /^exec node ((?:--\S+ )*)dist\//.exec(start);
  if (!options) throw new Error(`package.json's start script is not "exec node [--options] dist/...": ${start}`);
  return options[1].split(' ').filter(Boolean);
}

/**
 * The environment of a node, built from nothing so that the caller's own
 * SYNC_* settings cannot leak in. Everything not named here is at its
 * production default (the log level included: one JSON line per request is
 * part of the cost measured). Rate limits are raised through their settings,
 * so the limiter still runs as in production.
 */
export function serverEnvironment({ dataDir, databaseUrl }) {
  return {
    PATH: process.env.PATH,
    SYNC_LISTEN_ADDR: '127.0.0.1:0',
    SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'),
    SYNC_PROJECT_DATA_DIR: join(dataDir, 'projects'),
    // The bench logs in with a typed code and no mailbox to confirm it.
    SYNC_CODE_LOGIN: 'direct',
    SYNC_RATE_LIMIT_AUTH: '100000000',
    SYNC_RATE_LIMIT_AUTH_POLL: '100000000',
    SYNC_RATE_LIMIT_PUSH: '100000000',
    SYNC_RATE_LIMIT_PULL: '100000000',
    SYNC_RATE_LIMIT_OTHER: '100000000',
    ...(databaseUrl ? { SYNC_DATABASE_URL: databaseUrl } : {}),
  };
}

/**
 * Starts node `index` and resolves once it logs its listening address.
 * `fdLimit` runs it under `ulimit -n` (soft and hard), as a container with
 * that nofile limit would. The process and its directory are registered on
 * `cleanup` before anything can fail.
 */
export async function startServerNode({ index, main, dataDir, databaseUrl, fdLimit, cpuProfileDir, cleanup }) {
  mkdirSync(dataDir, { recursive: true });
  const nodeArgs = [...npmStartNodeOptions(), ...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []), main];
  const [command, args] = fdLimit
    ? ['sh', ['-c', `ulimit -n ${Number(fdLimit)} && exec "$0" "$@"`, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command, args, {
    cwd: dataDir,
    env: serverEnvironment({ dataDir, databaseUrl }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((done) => child.once('exit', (code, signal) => done(signal ?? code)));
  const release = cleanup.add(
    `server node ${index + 1} (pid ${child.pid})`,
    async () => {
      await stopProcess(child, exited);
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
    () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  );
  child.stderr.on('data', (chunk) => process.stderr.write(chunk));

  const output = watchOutput(child, exited, index);
  const url = await output.listening;
  return {
    index,
    url,
    pid: child.pid,
    takeErrors: output.takeErrors,
    /** Resolves with the exit code or signal when the process ends, for whatever reason. */
    exited,
    /** The exit code or signal once the process has ended, else undefined. */
    get exit() {
      return child.exitCode ?? child.signalCode ?? undefined;
    },
    /** SIGTERM (graceful drain), SIGKILL after a grace period; removes its directory. */
    stop: release,
  };
}

/**
 * Reads the server's stdout, as a log collector would (a server whose stdout
 * pipe is full stops): waits for the "listening on http://..." line, then
 * keeps the first few error-level lines (pino levels 50 and 60), so that a
 * scenario with errors can show what the server said about them. Other lines
 * are only scanned for that marker, never parsed.
 */
function watchOutput(child, exited, index) {
  const KEPT = 5;
  const errors = { count: 0, lines: [] };
  const lastLines = [];
  let pending = '';
  let found = false;
  const listening = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      const text = pending + chunk.toString('utf8');
      const end = text.lastIndexOf('\n');
      pending = text.slice(end + 1);
      if (found && !/"level":[56]0/.test(text)) return;
      for (const line of text.slice(0, end).split('\n')) {
        if (/"level":[56]0/.test(line)) {
          errors.count++;
          if (errors.lines.length < KEPT) errors.lines.push(line.length > 600 ? `${line.slice(0, 600)}…` : line);
        }
        if (found) continue;
        lastLines.push(line);
        if (lastLines.length > 20) lastLines.shift();
        const match = /listening on (http:\/\/[^\s"]+)/.exec(line);
        if (match) {
          found = true;
          clearTimeout(timer);
          resolve(match[1]);
        }
      }
    });
    const timer = setTimeout(() => reject(new Error(`server node ${index + 1} did not listen within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    timer.unref();
    void exited.then((status) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`server node ${index + 1} exited (${status}) before listening; its last output:\n${lastLines.join('\n')}`));
    });
  });
  return {
    listening,
    /** Error-level lines logged since the last call: how many, and the first few. */
    takeErrors() {
      const taken = { count: errors.count, lines: errors.lines };
      errors.count = 0;
      errors.lines = [];
      return taken;
    },
  };
}

async function stopProcess(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer;
  const killed = new Promise((done) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      done();
    }, STOP_GRACE_MS);
  });
  await Promise.race([exited, killed]);
  clearTimeout(timer);
  await exited;
}
