#!/usr/bin/env bash
# Benchmarks on their own services (.run/bench, ports 3xxxx), started fresh and stopped after:
#   npm run bench:cases [-- --cases 300 --rate 20]
# The worker and the API run as separate processes, as in production, so the figures include
# HTTP, Temporal and the database, and the worker's memory is measured from outside.
export KYUSUI_ENV=bench
source "$(dirname "$0")/lib.sh"
what=${1:?usage: bench.sh cases [args]}; shift

cleanup() { local rc=$?; stop_nodes; stop_infra; exit $rc; }
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_infra
rm -rf "$RUN_DIR/temporal" "$RUN_DIR/redis" "$RUN_DIR/mail" "$RUN_DIR/documents" "$RUN_DIR/print-spool" "$RUN_DIR/audit-checkpoints"
export RESET_DB=1 LOG_LEVEL=${LOG_LEVEL:-warn} PORT=${PORT:-${P}3000}
# The API tells the bench where each POST's time went (Server-Timing; off by default elsewhere).
export SERVER_TIMING=on
# BENCH_SQL=1: MariaDB counts statements by digest (performance_schema); the top ones are printed
# after the run, per case, with the account that sent them.
[ "${BENCH_SQL:-}" = 1 ] && export MARIADB_EXTRA_ARGS="${MARIADB_EXTRA_ARGS:-} --performance-schema=ON --performance-schema-digests-size=2000"
start_infra
start_mail_sink
start_simulators
# As in production: the worker loads a prebuilt workflow bundle instead of running webpack at start.
(cd "$ROOT" && npx tsx scripts/build-workflow-bundle.ts) >/dev/null
export WORKFLOW_BUNDLE_PATH=$ROOT/workflow-bundle.js
start_node worker worker/main.ts
start_node api api/main.ts
wait_port 127.0.0.1 "$PORT" 60 API
export RUN_DIR WORKER_PID_FILE=$RUN_DIR/worker.pid API_URL=http://127.0.0.1:$PORT
cd "$ROOT" && npx tsx "scripts/bench-$what.ts" "$@"
if [ "${BENCH_SQL:-}" = 1 ]; then
  echo; echo "SQL statements by digest (all accounts; divide by the cases filed):"
  mariadb --socket="$MARIADB_SOCKET" -u root --table -e "
    SELECT COUNT_STAR AS n, ROUND(SUM_TIMER_WAIT/1e9) AS ms, SCHEMA_NAME AS db, LEFT(DIGEST_TEXT, 150) AS statement
      FROM performance_schema.events_statements_summary_by_digest ORDER BY COUNT_STAR DESC LIMIT ${BENCH_SQL_TOP:-40}"
fi
