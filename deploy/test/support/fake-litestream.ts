/**
 * A stand-in for `litestream` used to test deploy/entrypoint.sh: a POSIX shell
 * script that appends each call's arguments to calls.log, keeps a copy of the
 * config each `replicate` was started with, "restores" databases from a fixture
 * tree and runs the `-exec` command the way Litestream does (shell-word split).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The script itself lives beside this file, so `npm run lint` can shellcheck it. */
const SCRIPT_PATH = join(__dirname, 'fake-litestream.sh');

export interface LitestreamCall {
  line: number;
  argv: string;
}

export class FakeLitestream {
  readonly binDir: string;

  constructor(readonly dir: string) {
    this.binDir = join(dir, 'bin');
    mkdirSync(this.binDir, { recursive: true });
    mkdirSync(join(dir, 'replica'), { recursive: true });
    const path = join(this.binDir, 'litestream');
    copyFileSync(SCRIPT_PATH, path);
    chmodSync(path, 0o755);
  }

  /** Where a "replica" of the database at `dbPath` must be put for a restore to find it. */
  replicaPathOf(dbPath: string): string {
    return join(this.dir, 'replica', dbPath);
  }

  calls(): string[] {
    const log = join(this.dir, 'calls.log');
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : [];
  }

  /**
   * Whether the replicate call on line `line` has saved its config. The fake
   * logs a call before it copies the config, so a test that saw the call in
   * calls.log waits for this before reading the config; the copy appears
   * under its name only once whole (a rename).
   */
  replicateStarted(line: number): boolean {
    return existsSync(join(this.dir, `replicate-${line}.yml`));
  }

  /** The config the replicate call on line `line` (1-based) of calls.log was started with. */
  replicateConfig(line: number): string {
    return readFileSync(join(this.dir, `replicate-${line}.yml`), 'utf8');
  }
}
