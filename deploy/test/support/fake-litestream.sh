#!/bin/sh
set -eu
dir=$FAKE_LITESTREAM_DIR
printf '%s\n' "$*" >>"$dir/calls.log"
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
    grep -q "path: \"$db\"" "$config" || { echo "fake litestream: $db is not in $config" >&2; exit 65; }
    if [ -n "${FAKE_LITESTREAM_RESTORE_FAILS:-}" ]; then
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
    # Copied under another name, then renamed: a test that sees replicate-N.yml reads it whole.
    cp "$config" "$dir/replicate-$call.yml.tmp"
    mv "$dir/replicate-$call.yml.tmp" "$dir/replicate-$call.yml"
    if [ -n "$exec_command" ] && [ -z "${FAKE_LITESTREAM_NO_EXEC:-}" ]; then
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
