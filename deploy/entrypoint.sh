#!/bin/sh
# td-sync container entrypoint: restore, then run the server under Litestream.
#
# 1. Restore. Every database missing from the volume (all of them on an empty
#    volume) is restored from the Litestream replica: server.db first, then the
#    event database of every project that the server database lists or that has
#    a directory on the volume. A database with no replica is left to start
#    empty (`restore -if-replica-exists`). A replica that cannot be read (wrong
#    credentials, no network) fails the start instead of starting empty.
# 2. Configure. Litestream 0.3 replicates only the databases its config names and
#    cannot add one while it runs, so the config is rendered from the template
#    (deploy/litestream.yml) at every start: server.db plus every project event
#    database now on the volume.
# 3. New projects. A background watcher looks for project databases created
#    after the start every TD_PROJECT_SCAN_INTERVAL seconds (default 10; 0 turns
#    it off) and replicates them with a second `litestream replicate` process,
#    restarted with the grown list whenever another one appears. A project
#    created since the start is therefore replicated from at most
#    TD_PROJECT_SCAN_INTERVAL + LITESTREAM_SYNC_INTERVAL after its creation; from
#    the next start on it is in the main config.
# 4. Run. The shell replaces itself with `litestream replicate -exec <server>`.
#    Litestream starts the server as its child, forwards SIGTERM/SIGINT to it,
#    waits while it drains and checkpoints, ships the last WAL frames and exits
#    (with an error status when the server failed). In the image, tini is PID 1
#    above it and reaps orphans.
#
# Arguments: the server command; default: node <app>/dist/apps/td-sync/src/main.js
#
# Environment (all optional):
#   SYNC_SERVER_DB_PATH         server database        (default /data/server.db)
#   SYNC_PROJECT_DATA_DIR       project databases      (default /data/projects)
#   LITESTREAM_CONFIG_TEMPLATE  template               (default litestream.yml beside this script)
#   LITESTREAM_CONFIG           rendered config        (default /tmp/td-sync-litestream.yml)
#   LITESTREAM_BACKUP_DIR       file replica directory (default /backups)
#   LITESTREAM_SYNC_INTERVAL    replica sync interval  (default 1s)
#   TD_PROJECT_SCAN_INTERVAL    seconds between scans for new projects (default 10; 0 = off)
set -eu

log() {
  printf 'td-sync-entrypoint: %s\n' "$*" >&2
}

die() {
  log "$*"
  exit 1
}

script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
app_dir=$(dirname -- "$script_dir")

: "${SYNC_SERVER_DB_PATH:=/data/server.db}"
: "${SYNC_PROJECT_DATA_DIR:=/data/projects}"
: "${LITESTREAM_BACKUP_DIR:=/backups}"
: "${LITESTREAM_SYNC_INTERVAL:=1s}"
# The server reads the same paths; Litestream expands the other two in the config.
export SYNC_SERVER_DB_PATH SYNC_PROJECT_DATA_DIR LITESTREAM_BACKUP_DIR LITESTREAM_SYNC_INTERVAL

server_db=$SYNC_SERVER_DB_PATH
project_dir=${SYNC_PROJECT_DATA_DIR%/}
template=${LITESTREAM_CONFIG_TEMPLATE:-$script_dir/litestream.yml}
config=${LITESTREAM_CONFIG:-/tmp/td-sync-litestream.yml}
new_projects_config=${config%.yml}-new-projects.yml
scan_interval=${TD_PROJECT_SCAN_INTERVAL:-10}

# Paths go into the config through sed: allow only characters that need no escaping.
for path in "$server_db" "$project_dir" "$config"; do
  case $path in
    '' | *[!A-Za-z0-9._/-]*) die "unsupported path '$path': use only letters, digits, '.', '_', '-' and '/'" ;;
  esac
done
case $scan_interval in
  '' | *[!0-9]*) die "TD_PROJECT_SCAN_INTERVAL must be a whole number of seconds, not '$scan_interval'" ;;
esac
[ -r "$template" ] || die "Litestream config template $template not found"
grep -q '^dbs:[[:space:]]*$' "$template" || die "$template has no 'dbs:' line"
command -v litestream >/dev/null 2>&1 || die "litestream is not on PATH"

is_project_id() {
  case $1 in
    p_????????????????) ;;
    *) return 1 ;;
  esac
  case ${1#p_} in
    *[!0-9a-f]*) return 1 ;;
  esac
  return 0
}

# Ids of the projects whose event database is on the volume.
project_ids_on_disk() {
  [ -d "$project_dir" ] || return 0
  for dir in "$project_dir"/p_*; do
    id=${dir##*/}
    if is_project_id "$id" && [ -f "$dir/events.db" ]; then
      printf '%s\n' "$id"
    fi
  done
}

# Prints "<database path> <replica name>" for each project id given.
project_dbs() {
  for id in "$@"; do
    printf '%s %s\n' "$project_dir/$id/events.db" "projects/$id/events.db"
  done
}

# render_config OUTPUT < lines of "<database path> <replica name>"
# Writes the template's header once and its database block once per line.
render_config() {
  {
    awk '{ print } /^dbs:[[:space:]]*$/ { exit }' "$template"
    while read -r db_path db_name; do
      awk 'found { print } /^dbs:[[:space:]]*$/ { found = 1 }' "$template" |
        sed -e "s|@DB_PATH@|$db_path|g" -e "s|@DB_NAME@|$db_name|g"
    done
  } >"$1.tmp"
  mv -f "$1.tmp" "$1"
}

restore() {
  log "restoring $1 from the replica, if there is one"
  litestream restore -config "$config" -if-replica-exists "$1"
}

# Quotes one argument for Litestream's -exec, which splits it like a shell.
quote() {
  printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

stop_process() {
  if [ -n "$1" ]; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}

# Runs in the background next to the main Litestream process (pid $1, this
# shell's pid once it has exec'd). Projects in $covered are already replicated.
watch_new_projects() {
  set +e
  main_pid=$1
  new_ids=''
  extra_pid=''
  while kill -0 "$main_pid" 2>/dev/null; do
    sleep "$scan_interval"
    found=''
    for id in $(project_ids_on_disk); do
      case $covered in
        *" $id "*) continue ;;
      esac
      covered="$covered$id "
      found="$found $id"
    done
    [ -n "$found" ] || continue
    new_ids="$new_ids$found"
    stop_process "$extra_pid"
    # shellcheck disable=SC2086 # project ids are single words
    project_dbs $new_ids | render_config "$new_projects_config"
    log "replicating projects created since the start:$found"
    litestream replicate -config "$new_projects_config" </dev/null &
    extra_pid=$!
  done
  stop_process "$extra_pid"
}

mkdir -p "$(dirname -- "$server_db")" "$project_dir" "$(dirname -- "$config")"

# 1. Restore what is missing: the server database first, since it lists the projects.
printf '%s server.db\n' "$server_db" | render_config "$config"
if [ ! -e "$server_db" ]; then
  restore "$server_db"
fi

known_ids=$(
  project_ids_on_disk
  if [ -e "$server_db" ]; then
    node "$script_dir/list-project-ids.js" "$server_db"
  fi
)
known_ids=$(printf '%s\n' "$known_ids" | sort -u)

for id in $known_ids; do
  is_project_id "$id" || continue
  db=$project_dir/$id/events.db
  [ ! -e "$db" ] || continue
  mkdir -p "$project_dir/$id"
  project_dbs "$id" | render_config "$config"
  restore "$db"
  if [ ! -e "$db" ]; then
    rmdir "$project_dir/$id" 2>/dev/null || true
    log "WARNING: project $id is in the server database but has no event database and no replica; its events are lost"
  fi
done

# 2. The config Litestream runs with: server.db and every project database on the volume.
main_ids=$(project_ids_on_disk)
# shellcheck disable=SC2086 # project ids are single words
{
  printf '%s server.db\n' "$server_db"
  project_dbs $main_ids
} | render_config "$config"
project_count=0
for id in $main_ids; do
  project_count=$((project_count + 1))
done
log "replicating $server_db and $project_count project database(s) with $config"

# 3. Projects created from now on.
if [ "$scan_interval" -gt 0 ]; then
  # shellcheck disable=SC2086 # project ids are single words
  covered=" $(printf '%s ' $main_ids)"
  watch_new_projects "$$" </dev/null &
fi

# 4. The server, under Litestream.
if [ "$#" -eq 0 ]; then
  set -- node "$app_dir/dist/apps/td-sync/src/main.js"
fi
exec_command=''
for arg in "$@"; do
  exec_command="$exec_command${exec_command:+ }$(quote "$arg")"
done
log "starting: $*"
exec litestream replicate -config "$config" -exec "$exec_command"
