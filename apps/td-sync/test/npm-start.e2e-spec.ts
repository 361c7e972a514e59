import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { BUILT_MAIN } from './support/spawned-server';

const REPO_ROOT = resolve(__dirname, '../../..');

/**
 * `npm start` as an operator runs it. npm passes SIGTERM and SIGINT on to the
 * shell it runs the script in; unless that shell hands its place to node, the
 * signal stops only the shell, and the server, orphaned, keeps serving. These
 * specs signal the npm process alone and check that the server itself stopped
 * gracefully.
 */
describe('npm start', () => {
  let dataDir: string;
  let run: NpmStart | undefined;

  beforeEach(() => {
    if (!existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` first (npm test does)`);
    dataDir = mkdtempSync(join(tmpdir(), 'td-sync-npm-start-'));
  });

  afterEach(async () => {
    // A failing run may leave the orphaned server behind: stop exactly the processes this spec started.
    if (run) {
      for (const pid of run.processTree) killIfAlive(pid);
      if (run.npm.exitCode === null && run.npm.signalCode === null) run.npm.kill('SIGKILL');
      await run.exited;
      run = undefined;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('on %s to the npm process, the server drains, exits and closes its port', async (signal) => {
    run = await startNpm(dataDir);
    const { port, processTree } = run;
    expect(processTree.length).toBeGreaterThan(0);
    expect(await portAnswers(port)).toBe(true);

    run.npm.kill(signal);

    expect(await run.exited).toBe(0);
    expect(processTree.filter(isAlive)).toEqual([]);
    expect(await portAnswers(port)).toBe(false);
    expect(run.stdout.join('\n')).toMatch(new RegExp(`${signal} received: draining requests`));
    expect(run.stdout.join('\n')).toMatch(/stopped cleanly/);
  });
});

interface NpmStart {
  npm: ChildProcess;
  port: number;
  /** Every process below npm once the server listens: the server and anything between. */
  processTree: number[];
  stdout: string[];
  exited: Promise<number | string>;
}

async function startNpm(dataDir: string): Promise<NpmStart> {
  const npm = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env: {
      // The npm that came with the node running this spec comes first.
      PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
      HOME: process.env.HOME ?? dataDir,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      SYNC_LISTEN_ADDR: '127.0.0.1:0',
      SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'),
      SYNC_PROJECT_DATA_DIR: join(dataDir, 'projects'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: npm.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | string>((done) => npm.on('exit', (code, signal) => done(code ?? signal ?? -1)));
  const listening = new Promise<string>((done, fail) => {
    createInterface({ input: npm.stdout! }).on('line', (line) => {
      stdout.push(line);
      if (/listening on http/.test(line)) done(line);
    });
    void exited.then((code) => fail(new Error(`npm start exited (${code}) before the server listened; stderr: ${stderr.join('\n')}`)));
  });
  const line = await listening;
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
  return { npm, port, processTree: descendantsOf(npm.pid!), stdout, exited };
}

/** Every process below `root`, read from /proc (Linux): no `ps` needed. */
function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(pid);
        frontier.push(pid);
      }
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killIfAlive(pid: number): void {
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** Whether something accepts TCP connections on the loopback port. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}
