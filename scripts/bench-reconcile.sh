#!/usr/bin/env bash
# npm run bench:reconcile [-- --size N]: the yearly reconciliation over a generated population,
# on services of its own (.run/bench-reconcile, ports 44xxx), stopped again at the end. Its own
# RUN_DIR, so it never stops or resets the services of `npm run bench:cases` (.run/bench, 3xxxx).
export KYUSUI_ENV=bench
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
export RUN_DIR=${BENCH_RECONCILE_RUN_DIR:-$ROOT_DIR/.run/bench-reconcile}
# Always services of its own: it resets and fills its database, so the ports and URLs of another
# environment (a sourced env file, a dev shell) are ignored. BENCH_RECONCILE_PORTS (default 44)
# is the first two digits of every port: 44306 MariaDB, 44379 Redis, 44233 Temporal, 441xx simulators.
unset DATABASE_URL VAULT_DATABASE_URL MIGRATION_DATABASE_URL REDIS_URL TEMPORAL_ADDRESS SMTP_URL
B=${BENCH_RECONCILE_PORTS:-44}
[[ $B =~ ^[1-5][0-9]$ ]] || { echo "BENCH_RECONCILE_PORTS must be two digits, 10-59" >&2; exit 2; }
export MARIADB_PORT=${B}306 REDIS_PORT=${B}379 TEMPORAL_PORT=${B}233 TEMPORAL_UI_PORT=${B}234
export MAIL_SINK_SMTP_PORT=${B}025 MAIL_SINK_HTTP_PORT=${B}026
export JUKI_SIM_URL=http://127.0.0.1:${B}101 CHUKAN_SIM_URL=http://127.0.0.1:${B}102
export PORT=${B}300 PAYMENT_SIM_URL=http://127.0.0.1:${B}103 RECONCILIATION_PAGE_SIZE=${RECONCILIATION_PAGE_SIZE:-10000}
export RECONCILIATION_PAGES_IN_FLIGHT=${RECONCILIATION_PAGES_IN_FLIGHT:-6} LOG_LEVEL=warn
# Every process at the same priority (scripts/lib.sh nices Temporal and the simulators for the API's
# sake): this bench's figures, "our own pipeline" beside the simulators', are measured that way.
export TEMPORAL_NICE=${TEMPORAL_NICE:-0} SIMULATOR_NICE=${SIMULATOR_NICE:-0}
# A million registrants write ~5 million 情報提供等記録 rows over two runs: a buffer pool that holds
# their indexes, as a production server would have (the dev/test default is 256M).
export MARIADB_BUFFER_POOL=${MARIADB_BUFFER_POOL:-2G}
# …and a redo log that holds a few pages' worth of inserts between checkpoints (the default 96M
# forces page flushing every few seconds under this write rate).
export MARIADB_LOG_FILE_SIZE=${MARIADB_LOG_FILE_SIZE:-1G}
source "$(dirname "$0")/lib.sh"
SIZE=1000000; SEED=7
args=("$@"); for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[$i]}" = --size ] && SIZE=${args[$((i + 1))]}; done
POP=$((SIZE * 102 / 100 + 100))

cleanup() { local rc=$?; stop_nodes; [ "${KEEP_SERVICES:-}" = 1 ] || stop_infra; exit $rc; }
trap cleanup EXIT
trap 'exit 130' INT TERM
stop_infra
rm -rf "$RUN_DIR/temporal" "$RUN_DIR/redis"
export RESET_DB=1
start_infra
start_mail_sink
# BENCH_NODE_FLAGS: node flags of the bench process, which is the worker (default: a 64 MB young
# generation, since every page allocates megabytes of short-lived strings; "" for node's default).
# BENCH_PROFILE_DIR=DIR: V8 CPU profiles of the bench (worker) and both simulators into DIR.
PROF=(); [ -z "${BENCH_PROFILE_DIR:-}" ] || PROF=(--cpu-prof "--cpu-prof-dir=$BENCH_PROFILE_DIR")
start_node sim-juki "${PROF[@]}" simulators/juki/main.ts --port "${JUKI_SIM_URL##*:}" --seed "$SEED" --size "$POP" --log-level warn
start_node sim-chukan "${PROF[@]}" simulators/chukan/main.ts --port "${CHUKAN_SIM_URL##*:}" --seed "$SEED" --size "$POP" --log-level warn
wait_port 127.0.0.1 "${JUKI_SIM_URL##*:}" 120 "juki simulator"
wait_port 127.0.0.1 "${CHUKAN_SIM_URL##*:}" 60 "chukan simulator"
# The bench process is the worker, so it is preloaded as the worker is (start_node in lib.sh):
# workflows without the SDK's per-promise stack-trace tracking (worker/workflow-threads.cjs).
cd "$ROOT" && node ${BENCH_NODE_FLAGS---max-semi-space-size=64} "${PROF[@]}" --require "$ROOT/worker/workflow-threads.cjs" --import tsx \
  scripts/bench-reconcile.ts --size "$SIZE" --seed "$SEED" --population "$POP"
