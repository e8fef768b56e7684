#!/usr/bin/env bash
# Starts or stops a PostgreSQL server of this checkout's own (Debian's packages), for the
# PostgreSQL event-store suite and for FerretDB's PostgreSQL backend. It is a private cluster
# under .tmp/, listening on 127.0.0.1:${POSTGRES_PORT} only, with trust authentication for the
# superuser `registry`: a test server, never a deployment.
#
#   scripts/postgres.sh start   # install PostgreSQL if missing (as root), init once, start
#   scripts/postgres.sh stop
#   scripts/postgres.sh url DB  # print the connection string of database DB (created if missing)
#   scripts/postgres.sh reset DB  # drop database DB if it exists (and disconnect its users)
#
# POSTGRES_PORT defaults to FERRETDB_PORT + 30000, so checkouts that were given different
# FerretDB ports get different PostgreSQL ports too. The cluster is kept between starts (an
# initdb costs seconds); test suites create and drop schemas or databases of their own.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$root/.tmp"
data="$tmp/postgres-data"
logfile="$tmp/postgres.log"
port="${POSTGRES_PORT:-$((${FERRETDB_PORT:-27017} + 30000))}"
host=127.0.0.1
superuser=registry

bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$dir" && -x "$dir/initdb" ]] && echo "$dir"
}

install() {
  if bindir >/dev/null && command -v psql >/dev/null; then return; fi
  if [[ "$(id -u)" != 0 ]]; then
    echo "postgres.sh: PostgreSQL is not installed; run as root or: apt-get install -y postgresql" >&2
    exit 1
  fi
  echo "postgres.sh: installing PostgreSQL (apt-get install postgresql)" >&2
  # The package's own cluster is not used; it stays stopped unless someone starts it.
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && apt-get install -y -q postgresql >&2; }
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` account
# the Debian package creates.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_open() {
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

psql_admin() {
  psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$superuser" -d postgres "$@"
}

start() {
  install
  local bin
  bin="$(bindir)"
  mkdir -p "$tmp"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    rm -rf "$data"
    mkdir -p "$data"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$data"
    as_owner "$bin/initdb" -D "$data" -U "$superuser" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$logfile" 2>&1 || {
      cat "$logfile" >&2
      exit 1
    }
  fi
  if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "postgres.sh: already running on $host:$port" >&2
  else
    if port_open; then
      echo "postgres.sh: $host:$port is already in use by another process; set POSTGRES_PORT" >&2
      exit 1
    fi
    [[ "$(id -u)" == 0 ]] && touch "$logfile" && chown postgres: "$logfile"
    # The socket lives in the data directory, so no system directory needs to be writable.
    # max_connections covers FerretDB's pool, the test suites' pools and a service or two.
    as_owner "$bin/pg_ctl" -D "$data" -l "$logfile" -w -t 60 start \
      -o "-c listen_addresses=$host -p $port -c unix_socket_directories='$data' -c max_connections=300 -c shared_buffers=256MB" >/dev/null || {
      cat "$logfile" >&2
      exit 1
    }
  fi
  echo "postgres.sh: PostgreSQL listening on $host:$port (data $data, log $logfile)" >&2
}

stop() {
  local bin
  if ! bin="$(bindir)" || [[ ! -f "$data/PG_VERSION" ]]; then
    echo "postgres.sh: not running" >&2
    return
  fi
  if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    echo "postgres.sh: stopped" >&2
  else
    echo "postgres.sh: not running" >&2
  fi
}

url() {
  local db="$1"
  [[ "$db" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "postgres.sh: database name must be lower-case letters, digits and _" >&2; exit 2; }
  if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]]; then
    psql_admin -c "CREATE DATABASE $db"
  fi
  echo "postgresql://$superuser@$host:$port/$db"
}

reset() {
  local db="$1"
  [[ "$db" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "postgres.sh: database name must be lower-case letters, digits and _" >&2; exit 2; }
  psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url "${2:?usage: $0 url DATABASE}" ;;
  reset) reset "${2:?usage: $0 reset DATABASE}" ;;
  *) echo "usage: $0 start|stop|url DATABASE|reset DATABASE" >&2; exit 2 ;;
esac
