/**
 * A stand-in for `litestream` used to test deploy/entrypoint.sh: a POSIX shell
 * script that appends each call's arguments to calls.log, keeps a copy of the
 * config each `replicate` was started with, "restores" databases from a fixture
 * tree and runs the `-exec` command the way Litestream does (shell-word split).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPT = `#!/bin/sh
set -eu
dir=$FAKE_LITESTREAM_DIR
printf '%s\\n' "$*" >>"$dir/calls.log"
call=$(wc -l <"$dir/calls.log" | tr -d ' ')
command=$1
shift
case $command in
  version)
    echo v0.3.13
    ;;
  restore)
    config=''
    if_replica_exists=no
    db=''
    while [ "$#" -gt 0 ]; do
      case $1 in
        -config) config=$2; shift 2 ;;
        -if-replica-exists) if_replica_exists=yes; shift ;;
        -*) echo "fake litestream: unexpected restore flag $1" >&2; exit 64 ;;
        *) db=$1; shift ;;
      esac
    done
    grep -q "path: \\"$db\\"" "$config" || { echo "fake litestream: $db is not in $config" >&2; exit 65; }
    if [ -n "\${FAKE_LITESTREAM_RESTORE_FAILS:-}" ]; then
      echo "fake litestream: cannot read the replica" >&2
      exit 1
    fi
    fixture=$dir/replica$db
    if [ -f "$fixture" ]; then
      cp "$fixture" "$db"
    elif [ "$if_replica_exists" = yes ]; then
      echo "no matching backups found"
    else
      echo "fake litestream: no replica for $db" >&2
      exit 1
    fi
    ;;
  replicate)
    config=''
    exec_command=''
    while [ "$#" -gt 0 ]; do
      case $1 in
        -config) config=$2; shift 2 ;;
        -exec) exec_command=$2; shift 2 ;;
        *) echo "fake litestream: unexpected replicate argument $1" >&2; exit 64 ;;
      esac
    done
    cp "$config" "$dir/replicate-$call.yml"
    if [ -n "$exec_command" ] && [ -z "\${FAKE_LITESTREAM_NO_EXEC:-}" ]; then
      eval "exec $exec_command"
    fi
    # Replicating "forever", until the test kills the process group.
    exec sleep 600
    ;;
  *)
    echo "fake litestream: unknown command $command" >&2
    exit 64
    ;;
esac
`;

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
    writeFileSync(path, SCRIPT);
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
   * calls.log waits for this before reading the config.
   */
  replicateStarted(line: number): boolean {
    return existsSync(join(this.dir, `replicate-${line}.yml`));
  }

  /** The config the replicate call on line `line` (1-based) of calls.log was started with. */
  replicateConfig(line: number): string {
    return readFileSync(join(this.dir, `replicate-${line}.yml`), 'utf8');
  }

  static get scriptText(): string {
    return SCRIPT;
  }
}
