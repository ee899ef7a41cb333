#!/usr/bin/env bash
# A private PostgreSQL cluster for tests, CI and the quick start: a directory, port and Unix
# socket of its own, a server run by an unprivileged user, and a database named routeledger.
#
#   ops/pg-cluster.sh start  [DIR]   create it the first time, start it (fine when running)
#   ops/pg-cluster.sh stop   [DIR]   stop it (fine when stopped)
#   ops/pg-cluster.sh status [DIR]   say whether it runs: exit 0 if it does, 3 if not
#   ops/pg-cluster.sh env    [DIR]   print `export PGHOST=… PGPORT=… PGUSER=… PGDATABASE=…`
#   ops/pg-cluster.sh url    [DIR]   print its connection URL (no password: it uses the socket)
#
# DIR: default $ROUTELEDGER_PG_DIR, else /tmp/routeledger-pg. It holds data/, server.log, the
# socket (.s.PGSQL.<port>) and the superuser's password for TCP connections (password).
# Environment:
#   ROUTELEDGER_PG_PORT    port; default 54329, or the one it was last started with
#   ROUTELEDGER_PG_LISTEN  TCP addresses to listen on; default localhost; empty for socket only
#   ROUTELEDGER_PG_BIN     where initdb and pg_ctl are; default the newest /usr/lib/postgresql/*/bin
# Run as root, the server runs as the user postgres (it refuses to run as root) and DIR is
# made its own. Socket connections as the superuser postgres need no password; the socket's
# directory is open to its owner only (and root).
set -euo pipefail

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }

command=${1:-}
case "$command" in
  start|stop|status|env|url) ;;
  -h|--help|help) usage; exit 0 ;;
  '') echo "pg-cluster.sh: missing command (start, stop, status, env or url)" >&2; exit 2 ;;
  *) echo "pg-cluster.sh: unknown command '$command' (see --help)" >&2; exit 2 ;;
esac
if [ $# -gt 2 ]; then
  echo "pg-cluster.sh: unexpected argument '$3' (see --help)" >&2
  exit 2
fi

dir=$(realpath -m -- "${2:-${ROUTELEDGER_PG_DIR:-/tmp/routeledger-pg}}")
case "$dir" in
  *[\'\ ]*) echo "pg-cluster.sh: DIR must not contain spaces or quotes: $dir" >&2; exit 2 ;;
esac
data=$dir/data
superuser=postgres
database=routeledger
port=${ROUTELEDGER_PG_PORT:-$(cat "$dir/port" 2>/dev/null || echo 54329)}
case "$port" in
  ''|*[!0-9]*) echo "pg-cluster.sh: ROUTELEDGER_PG_PORT must be a number, got '$port'" >&2; exit 2 ;;
esac
listen=${ROUTELEDGER_PG_LISTEN-localhost}

url() {
  echo "postgresql://$superuser@/$database?host=$dir&port=$port"
}

case "$command" in
  env)
    printf 'export PGHOST=%q PGPORT=%q PGUSER=%q PGDATABASE=%q\n' "$dir" "$port" "$superuser" "$database"
    exit 0 ;;
  url)
    url
    exit 0 ;;
esac

bin=${ROUTELEDGER_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$bin" ] && command -v pg_ctl >/dev/null; then bin=$(dirname "$(command -v pg_ctl)"); fi
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "pg-cluster.sh: PostgreSQL's server programs are not installed (ops/setup.sh installs them)" >&2
  exit 1
fi

# The server refuses to run as root: root hands the cluster to the user postgres, which the
# Debian package creates.
server_user=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "pg-cluster.sh: run as root, the server needs the user postgres (install the postgresql package)" >&2
    exit 1
  fi
  server_user=postgres
fi
# Runs a PostgreSQL program as the server's user, without the descriptors this script
# inherited or opened: a server keeping them would hold the lock, and keep whoever waits for
# this script's output or exit waiting, as long as it runs.
as_server() {
  (
    cd /
    for descriptor in /proc/self/fd/*; do
      descriptor=${descriptor##*/}
      if [ "$descriptor" -gt 2 ]; then eval "exec $descriptor>&-" 2>/dev/null || true; fi
    done
    if [ "$server_user" = "$(id -un)" ]; then exec "$@"; else exec runuser -u "$server_user" -- "$@"; fi
  )
}

running() {
  [ -f "$data/PG_VERSION" ] && as_server "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

if [ "$command" = status ]; then
  if running; then
    echo "running: $(url) ($bin)"
    exit 0
  fi
  echo "not running ($dir)"
  exit 3
fi

mkdir -p "$dir"
if [ "$server_user" != "$(id -un)" ]; then
  chown "$server_user": "$dir"
elif [ ! -O "$dir" ]; then
  echo "pg-cluster.sh: $dir belongs to another user; choose another DIR (or ROUTELEDGER_PG_DIR)" >&2
  exit 1
fi
chmod 700 "$dir"
# One start or stop at a time: tests may call this concurrently.
exec 9>>"$dir/lock"
flock 9

if [ "$command" = stop ]; then
  if running; then
    as_server "$bin/pg_ctl" stop -D "$data" -m fast -w >/dev/null
    echo "pg-cluster.sh: stopped ($dir)"
  else
    echo "pg-cluster.sh: not running ($dir)"
  fi
  exit 0
fi

if [ ! -f "$data/PG_VERSION" ]; then
  rm -rf "$data"
  (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$dir/password")
  if [ "$server_user" != "$(id -un)" ]; then chown "$server_user": "$dir/password"; fi
  if ! as_server "$bin/initdb" -D "$data" -U "$superuser" --pwfile="$dir/password" -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    echo "pg-cluster.sh: initdb failed in $data" >&2
    exit 1
  fi
  echo "include_if_exists = 'routeledger.conf'" >>"$data/postgresql.conf"
  echo "pg-cluster.sh: created a cluster in $data"
fi

if running; then
  echo "pg-cluster.sh: already running: $(url)"
else
  # Where it listens is written at every start, so the port can change between runs.
  cat >"$data/routeledger.conf" <<EOF
port = $port
listen_addresses = '$listen'
unix_socket_directories = '$dir'
EOF
  if [ "$server_user" != "$(id -un)" ]; then chown "$server_user": "$data/routeledger.conf"; fi
  if ! as_server "$bin/pg_ctl" start -D "$data" -l "$dir/server.log" -w -t 60 >/dev/null; then
    tail -n 20 "$dir/server.log" >&2 || true
    echo "pg-cluster.sh: the server did not start (is port $port taken?); log: $dir/server.log" >&2
    exit 1
  fi
  echo "$port" >"$dir/port"
  echo "pg-cluster.sh: started: $(url)"
fi

psql=("$bin/psql" -X -q -A -t -h "$dir" -p "$port" -U "$superuser")
if [ -z "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
  "${psql[@]}" -d postgres -c "CREATE DATABASE $database"
  echo "pg-cluster.sh: created the database $database"
fi
