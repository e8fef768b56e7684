#!/usr/bin/env bash
# Starts or stops the embeddable FerretDB v1 test server (tools/ferretdb), the only MongoDB
# wire-protocol server installable on the project's machines. The MongoDB read-store contract
# suite runs against it when MONGODB_URI points at it.
#
#   scripts/ferretdb.sh start   # build if needed, start on 127.0.0.1:${FERRETDB_PORT:-27017}
#   scripts/ferretdb.sh stop
#
# FERRETDB_BACKEND=sqlite (default) keeps its data in SQLite files under .tmp, wiped at every
# start so each test run sees an empty server. FERRETDB_BACKEND=postgresql stores it in the
# PostgreSQL database FERRETDB_POSTGRESQL_URL names (scripts/test-servers.sh starts one and
# gives it an empty database); that backend is the one that takes a province (bench/RESULTS.md).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$root/.tmp"
bin="$tmp/ferretdb-test"
data="$tmp/ferretdb-data"
pidfile="$tmp/ferretdb.pid"
portfile="$tmp/ferretdb.port"
logfile="$tmp/ferretdb.log"
port="${FERRETDB_PORT:-27017}"
backend="${FERRETDB_BACKEND:-sqlite}"
host=127.0.0.1

build() {
  # Rebuild only when the sources are newer than the binary: a Go build costs a minute on
  # a 2-core machine, and CI calls this before every test run.
  local src="$root/tools/ferretdb"
  if [[ -x "$bin" && "$bin" -nt "$src/main.go" && "$bin" -nt "$src/go.sum" && "$bin" -nt "$src/go.mod" ]]; then
    return
  fi
  command -v go >/dev/null || { echo "ferretdb.sh: Go toolchain not found (needed to build tools/ferretdb)" >&2; exit 1; }
  echo "ferretdb.sh: building $bin from tools/ferretdb" >&2
  mkdir -p "$tmp"
  (cd "$src" && go build -o "$bin" .)
}

running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

port_open() {
  # bash's /dev/tcp avoids depending on nc or node being on PATH.
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

start() {
  if pid="$(running_pid)"; then
    # Report the port it really listens on, which may not be this call's FERRETDB_PORT.
    port="$(cat "$portfile" 2>/dev/null || echo "$port")"
    echo "ferretdb.sh: already running (pid $pid)" >&2
    print_env
    return
  fi
  if port_open; then
    echo "ferretdb.sh: $host:$port is already in use by another process; set FERRETDB_PORT" >&2
    exit 1
  fi
  build
  local args=(-listen "$host:$port")
  case "$backend" in
    sqlite)
      rm -rf "$data"
      mkdir -p "$data"
      args+=(-handler sqlite -dir "$data")
      ;;
    postgresql)
      [[ -n "${FERRETDB_POSTGRESQL_URL:-}" ]] || { echo "ferretdb.sh: FERRETDB_BACKEND=postgresql needs FERRETDB_POSTGRESQL_URL" >&2; exit 1; }
      args+=(-handler postgresql -postgresql-url "$FERRETDB_POSTGRESQL_URL")
      ;;
    *) echo "ferretdb.sh: FERRETDB_BACKEND must be sqlite or postgresql" >&2; exit 1 ;;
  esac
  # setsid detaches the server from this shell's process group so it survives the script.
  setsid "$bin" "${args[@]}" >"$logfile" 2>&1 < /dev/null &
  echo $! >"$pidfile"
  echo "$port" >"$portfile"
  local pid
  pid="$(cat "$pidfile")"
  for _ in $(seq 1 300); do
    if port_open; then
      print_env
      return
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "ferretdb.sh: server exited during start; log follows" >&2
      cat "$logfile" >&2
      rm -f "$pidfile"
      exit 1
    fi
    sleep 0.1
  done
  echo "ferretdb.sh: server did not accept connections on $host:$port within 30s; log in $logfile" >&2
  kill "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  exit 1
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pidfile" "$portfile"
    echo "ferretdb.sh: not running" >&2
    return
  fi
  kill "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile" "$portfile"
  echo "ferretdb.sh: stopped (pid $pid)" >&2
}

print_env() {
  echo "ferretdb.sh: FerretDB ($backend backend) listening on $host:$port (pid $(cat "$pidfile"), log $logfile)" >&2
  echo "export MONGODB_URI=mongodb://$host:$port/"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  build) build ;;
  *) echo "usage: $0 start|stop|build" >&2; exit 2 ;;
esac
