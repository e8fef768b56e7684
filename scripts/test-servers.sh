#!/usr/bin/env bash
# Starts (or stops) every server the contract suites need and prints the environment to use:
#
#   eval "$(scripts/test-servers.sh start)"   # POSTGRES_URL and MONGODB_URI
#   npm test
#   scripts/test-servers.sh stop
#
# - PostgreSQL (scripts/postgres.sh: Debian's packages, installed when missing and run as
#   root, a private cluster on 127.0.0.1:${POSTGRES_PORT:-FERRETDB_PORT+30000});
# - FerretDB on its PostgreSQL backend (scripts/ferretdb.sh), on 127.0.0.1:${FERRETDB_PORT:-27017},
#   in a database of its own that is emptied at every start, with the index on _id its
#   filters need (tools/ferretdb/postgresql-setup.sql).
# POSTGRES_URL names the database the PostgreSQL event-store suites use; each run works in
# schemas of its own there. EventStoreDB cannot run on these machines: its suite runs only
# where EVENTSTORE_CONNECTION_STRING is given.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export FERRETDB_PORT="${FERRETDB_PORT:-27017}"

start() {
  "$here/postgres.sh" start
  "$here/ferretdb.sh" stop 2>/dev/null || true
  "$here/postgres.sh" reset ferretdb >&2
  local ferret_url events_url
  ferret_url="$("$here/postgres.sh" url ferretdb)"
  # FerretDB's lookups by _id need this index to be served without reading the table.
  psql -X -q -v ON_ERROR_STOP=1 -d "$ferret_url" -f "$here/../tools/ferretdb/postgresql-setup.sql" >&2
  events_url="$("$here/postgres.sh" url registry_events)"
  FERRETDB_BACKEND=postgresql FERRETDB_POSTGRESQL_URL="$ferret_url" "$here/ferretdb.sh" start
  echo "export POSTGRES_URL=$events_url"
}

stop() {
  "$here/ferretdb.sh" stop || true
  "$here/postgres.sh" stop
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
