#!/usr/bin/env bash
# Fuzzes the HTTP API against its own OpenAPI document with schemathesis: starts the service
# on the embedded default (fresh DATA_DIR, a free port, ministry exchange off), signs a
# province-admin token, loads a small synthetic province over the API (so lists, counts and
# worklists answer with real items to check against their schemas), runs the examples and
# fuzzing phases with a fixed seed for a bounded time, and fails on any server error,
# undeclared status code, content type or response that does not match its schema. The
# citizens' endpoints (/v1/public/…) answer only channel clients: a second run fuzzes them
# with a channel-client token (website), the first every other operation with the admin's.
#
#   scripts/api-fuzz.sh                  # what CI runs
#   API_FUZZ_SECONDS=600 scripts/api-fuzz.sh
#   API_FUZZ_SEED=7 API_FUZZ_PERSONS=0 API_FUZZ_SKIP_BUILD=1 scripts/api-fuzz.sh
#   API_FUZZ_PUBLIC_SECONDS=120 scripts/api-fuzz.sh   # longer on the public endpoints
#   scripts/api-fuzz.sh install          # only install schemathesis (CI does it beside npm ci)
#
# schemathesis comes from PyPI into a virtual environment under .tmp/, kept between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VENV=".tmp/schemathesis-${SCHEMATHESIS_VERSION}"
SECONDS_BUDGET="${API_FUZZ_SECONDS:-120}"
PUBLIC_SECONDS_BUDGET="${API_FUZZ_PUBLIC_SECONDS:-45}"
SEED="${API_FUZZ_SEED:-1413}"
PERSONS="${API_FUZZ_PERSONS:-200}"

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
  echo "== installing schemathesis ${SCHEMATHESIS_VERSION} into ${VENV}"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==${SCHEMATHESIS_VERSION}"
fi
if [ "${1:-}" = install ]; then exit 0; fi

if [ "${API_FUZZ_SKIP_BUILD:-}" != 1 ]; then npm run build --silent; fi

mkdir -p .tmp
RUN_DIR="$(mktemp -d "$PWD/.tmp/api-fuzz.XXXXXX")"
PORT="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
BASE="http://127.0.0.1:${PORT}"

# The embedded default whatever the caller's shell exports (CI exports MONGODB_URI and
# POSTGRES_URL for the server suites). The exchange is off, so its run endpoints answer their
# documented 503.
# Look-ups are rate-limited per client; the fuzzer is one client sending thousands of them,
# so the limit is raised for this run (429 stays declared and is tested by the e2e suites).
service_env=(
  -u MONGODB_URI -u POSTGRES_URL -u POSTGRES_SCHEMA -u EVENTSTORE_CONNECTION_STRING -u MINISTRY_URL -u MINISTRY_TOKEN -u KEYS_FILE
  DATA_DIR="$RUN_DIR/data" PORT="$PORT" LOG_FILE="$RUN_DIR/service.log" LOG_LEVEL=info
  LOOKUP_RATE_LIMIT=1000000 INSTANCE_ID="api-fuzz-$$"
  VERIFICATION_CODES_PER_CLIENT_PER_HOUR=1000000 REMINDER_INTERVAL_MS=0
)

env "${service_env[@]}" node scripts/run.js apps/registry/src/main.js >"$RUN_DIR/service.out" 2>&1 &
SERVICE_PID=$!
stop_service() {
  kill "$SERVICE_PID" 2>/dev/null || true
  wait "$SERVICE_PID" 2>/dev/null || true
}
trap stop_service EXIT

for _ in $(seq 1 120); do
  if curl -sf -o /dev/null "${BASE}/docs-json"; then break; fi
  if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
    echo "the service did not start:" >&2
    cat "$RUN_DIR/service.out" >&2
    exit 1
  fi
  sleep 0.5
done

TOKEN="$(env "${service_env[@]}" node scripts/run.js apps/registry/src/cli.js token --role province-admin --region 440000 2>"$RUN_DIR/token.err")" || { cat "$RUN_DIR/token.err" >&2; exit 1; }
CHANNEL_TOKEN="$(env "${service_env[@]}" node scripts/run.js apps/registry/src/cli.js token --role channel-client --region 440000 --channel website 2>"$RUN_DIR/token.err")" || { cat "$RUN_DIR/token.err" >&2; exit 1; }

if [ "$PERSONS" -gt 0 ]; then
  echo "== loading a synthetic province of ${PERSONS} persons (household, enrolment and card-library files, then a comparison run)"
  env "${service_env[@]}" node scripts/run.js apps/registry/src/cli.js generate --persons "$PERSONS" --seed 7 --out "$RUN_DIR/province" >/dev/null
  node scripts/api-fuzz-seed.js "$BASE" "$TOKEN" "$RUN_DIR/province"
fi

fuzz() {
  local label="$1" token="$2" seconds="$3"
  shift 3
  echo "== schemathesis ${SCHEMATHESIS_VERSION} against ${BASE}/docs-json (${label}): seed ${SEED}, ${seconds} s (service log: ${RUN_DIR#"$PWD"/}/service.log)"
  "$VENV/bin/schemathesis" --config-file scripts/api-fuzz.toml run "${BASE}/docs-json" \
    --header "Authorization: Bearer ${token}" \
    "$@" \
    --phases examples,fuzzing \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --seed "$SEED" \
    --max-time "$seconds" \
    --continue-on-failure \
    --generation-database none \
    --workers 1 \
    --no-color
}

status=0
fuzz "staff endpoints, province-admin token" "$TOKEN" "$SECONDS_BUDGET" --exclude-path-regex '^/v1/public/' || status=$?
fuzz "public endpoints, channel-client token" "$CHANNEL_TOKEN" "$PUBLIC_SECONDS_BUDGET" --include-path-regex '^/v1/public/' || status=$?

if [ "$status" -eq 0 ]; then
  stop_service
  rm -rf "$RUN_DIR"
else
  echo "schemathesis found problems (exit ${status}); the service's log is in ${RUN_DIR#"$PWD"/}/service.log" >&2
fi
exit "$status"
