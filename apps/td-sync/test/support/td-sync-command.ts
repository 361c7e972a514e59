import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BUILT_MAIN } from './spawned-server';

export interface CommandResult {
  /** The exit code (or the signal's name). */
  code: number | string;
  stdout: string;
  stderr: string;
}

/**
 * `td-sync <args>` as an operator runs it: the built command (`dist/`) in a
 * process of its own, with the SYNC_* settings of a server whose files are
 * in `dataDir`, so that it works on that server's database while the server
 * runs.
 */
export function runTdSync(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_MAIN, ...args], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH,
        SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'),
        SYNC_PROJECT_DATA_DIR: join(dataDir, 'projects'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? signal ?? -1, stdout, stderr }));
  });
}

/** The JSON a `--json` run printed, after checking that it succeeded and said nothing on stderr. */
export function jsonOf<T>(result: CommandResult): T {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as T;
}
