import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const BUILT_MAIN = resolve(__dirname, '../../../../dist/apps/td-sync/src/main.js');

/**
 * The options `npm start` gives Node (package.json's start script: the young
 * generation's size, see docs/performance.md, Memory), so that a spawned
 * server runs as a deployed one does.
 */
export function npmStartNodeOptions(): string[] {
  const start = (JSON.parse(readFileSync(resolve(__dirname, '../../../../package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const options = /^exec node ((?:--\S+ )*)dist\//.exec(start);
  if (!options) throw new Error(`package.json's start script is not "exec node [--options] dist/...": ${start}`);
  return options[1].split(' ').filter(Boolean);
}

export interface SpawnedServer {
  process: ChildProcess;
  /** Set once the server logged that it listens. */
  url: string;
  dataDir: string;
  /** Every stdout line so far (JSON log lines unless SYNC_LOG_FORMAT=text). */
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** Resolves with the first stdout line matching, once it appears. */
  waitForLine(pattern: RegExp): Promise<string>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  dataDir?: string;
  /** Wait for "listening on" (default true). */
  waitUntilListening?: boolean;
  /** Run the server as this user (and group of the same id); the spec must be root to use it. */
  uid?: number;
  /** Command-line arguments (none: `td-sync` serves by default). */
  args?: string[];
  /** Start it under this descriptor limit, soft and hard (as `ulimit -n` in its shell), so Node cannot raise it. */
  descriptorLimit?: number;
}

/**
 * The built server (`dist/`, as `npm start` runs it) as a child process on a
 * port of the kernel's choosing, for what only a real process can show:
 * signals, exit codes, log output, crashes.
 */
export async function spawnServer(options: SpawnOptions = {}): Promise<SpawnedServer> {
  if (!existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'td-sync-proc-'));
  // Another user must be able to reach the checkout: a clone in a `mktemp -d`
  // directory is mode 700.
  const restoreModes = options.uid !== undefined ? letOthersTraverse(dirname(BUILT_MAIN)) : () => undefined;
  const nodeArgs = [...npmStartNodeOptions(), BUILT_MAIN, ...(options.args ?? [])];
  const [command, args] =
    options.descriptorLimit === undefined
      ? [process.execPath, nodeArgs]
      : ['sh', ['-c', `ulimit -n ${options.descriptorLimit} && exec "$0" "$@"`, process.execPath, ...nodeArgs]];
  const child = spawn(command, args, {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH,
      SYNC_LISTEN_ADDR: '127.0.0.1:0',
      SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'),
      SYNC_PROJECT_DATA_DIR: join(dataDir, 'projects'),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | string>((done) =>
    child.on('exit', (code, signal) => {
      restoreModes();
      done(code ?? signal ?? -1);
    }),
  );

  const server: SpawnedServer = {
    process: child,
    url: '',
    dataDir,
    stdout,
    stderr,
    exited,
    waitForLine(pattern) {
      const seen = stdout.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolveLine, reject) => {
        waiters.push({ pattern, resolve: resolveLine });
        void exited.then((code) => reject(new Error(`server exited (${code}) before logging ${pattern}; stderr: ${stderr.join('\n')}`)));
      });
    },
  };
  if (options.waitUntilListening !== false) {
    const line = await server.waitForLine(/listening on http/);
    server.url = /listening on (http:\/\/[^\s"]+)/.exec(line)![1];
  }
  return server;
}

/**
 * Adds the "others may enter" bit to every directory from `path` up to the
 * root that lacks it, and returns how to put the modes back.
 */
function letOthersTraverse(path: string): () => void {
  const changed: Array<{ dir: string; mode: number }> = [];
  for (let dir = path; ; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o005);
      changed.push({ dir, mode });
    }
    if (dirname(dir) === dir) break;
  }
  return () => {
    for (const { dir, mode } of changed.splice(0)) chmodSync(dir, mode);
  };
}
