# Shared provisioning for the up and test commands. Source it; do not run it.
# Every service runs under .run/<env>/ on the env's own ports, unless the matching URL variable
# (TEMPORAL_ADDRESS, DATABASE_URL, REDIS_URL, SMTP_URL) says it is already running elsewhere.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KYUSUI_ENV=${KYUSUI_ENV:-dev}
RUN_DIR=${RUN_DIR:-$ROOT/.run/$KYUSUI_ENV}
CACHE_DIR=${KYUSUI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kyusui}
LOG_DIR=$RUN_DIR/logs
mkdir -p "$RUN_DIR" "$LOG_DIR" "$CACHE_DIR/bin"

# Port plan: dev on 1xxxx, test on 2xxxx, benchmarks on 3xxxx, so they never meet.
case $KYUSUI_ENV in test) P=2 ;; bench) P=3 ;; *) P=1 ;; esac
MARIADB_PORT=${MARIADB_PORT:-${P}3306}
REDIS_PORT=${REDIS_PORT:-${P}6379}
TEMPORAL_PORT=${TEMPORAL_PORT:-${P}7233}
TEMPORAL_UI_PORT=${TEMPORAL_UI_PORT:-${P}8233}
MARIADB_SOCKET=$RUN_DIR/mariadb/mysqld.sock
export MARIADB_SOCKET

log() { printf '\033[1;34m[kyusui]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[kyusui] %s\033[0m\n' "$*" >&2; exit 1; }

wait_port() { # host port seconds name
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  die "$4 did not open $1:$2 within $3 s (logs: $LOG_DIR)"
}
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

apt_install() { # package...
  log "installing $* from Debian (once)"
  if [ ! -d /var/lib/apt/lists ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock || true)" ]; then
    apt-get update -qq >"$LOG_DIR/apt.log" 2>&1 || die "apt-get update failed (see $LOG_DIR/apt.log)"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$LOG_DIR/apt.log" 2>&1 \
    || { apt-get update -qq >>"$LOG_DIR/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$LOG_DIR/apt.log" 2>&1; } \
    || die "apt-get install $* failed (see $LOG_DIR/apt.log)"
}

ensure_node_modules() {
  if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "installing npm dependencies"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
}

ensure_system_packages() {
  local missing=()
  [ -x /usr/sbin/mariadbd ] || [ -n "${DATABASE_URL:-}" ] || missing+=(mariadb-server)
  command -v redis-server >/dev/null || [ -n "${REDIS_URL:-}" ] || missing+=(redis-server)
  # The license PDF embeds IPAmj明朝, which covers the MJ character set of 戸籍 names.
  [ -f /usr/share/fonts/opentype/ipamj-mincho/ipamjm.ttf ] || [ -f /usr/share/fonts/truetype/ipamj-mincho/ipamjm.ttf ] \
    || [ -n "$(ls /usr/share/fonts/*/ipamj*/* 2>/dev/null)" ] || missing+=(fonts-ipamj-mincho)
  # The credential verifier page is tested in headless Chromium (Playwright drives Debian's build).
  [ "$KYUSUI_ENV" != test ] || command -v chromium >/dev/null || missing+=(chromium)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# The Temporal CLI (dev server + Web UI). TEMPORAL_CLI, then PATH, then our cache, else build once.
ensure_temporal_cli() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then [ -x "$TEMPORAL_CLI" ] || die "TEMPORAL_CLI=$TEMPORAL_CLI is not executable"; return; fi
  if command -v temporal >/dev/null; then TEMPORAL_CLI=$(command -v temporal); return; fi
  TEMPORAL_CLI=$CACHE_DIR/bin/temporal
  if [ ! -x "$TEMPORAL_CLI" ]; then
    command -v go >/dev/null || die "Go is needed to build the Temporal CLI once (or set TEMPORAL_CLI)"
    log "building the Temporal CLI v1.5.1 once into $CACHE_DIR/bin (takes a few minutes)"
    GOBIN=$CACHE_DIR/bin GOFLAGS=-mod=mod go install github.com/temporalio/cli/cmd/temporal@v1.5.1 \
      >"$LOG_DIR/temporal-build.log" 2>&1 || die "building the Temporal CLI failed (see $LOG_DIR/temporal-build.log)"
  fi
  export TEMPORAL_CLI
}

start_mariadb() {
  if [ -n "${DATABASE_URL:-}" ]; then log "MariaDB/MySQL: using DATABASE_URL"; return; fi
  local dir=$RUN_DIR/mariadb
  if pid_alive "$dir/mariadbd.pid" && port_open 127.0.0.1 "$MARIADB_PORT"; then log "MariaDB already running on $MARIADB_PORT"; return; fi
  mkdir -p "$dir"
  local as_root=(); [ "$(id -u)" = 0 ] && as_root=(--user=root)
  if [ ! -d "$dir/data/mysql" ]; then
    log "initialising MariaDB in $dir/data"
    mariadb-install-db --datadir="$dir/data" "${as_root[@]}" --auth-root-authentication-method=socket \
      --skip-test-db >"$LOG_DIR/mariadb-install.log" 2>&1 || die "mariadb-install-db failed (see $LOG_DIR/mariadb-install.log)"
  fi
  /usr/sbin/mariadbd --no-defaults --datadir="$dir/data" --socket="$MARIADB_SOCKET" --port="$MARIADB_PORT" \
    --bind-address=127.0.0.1 --pid-file="$dir/mariadbd.pid" "${as_root[@]}" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_bin --skip-name-resolve \
    --innodb-buffer-pool-size=${MARIADB_BUFFER_POOL:-256M} --innodb-flush-log-at-trx-commit=1 \
    --innodb-log-file-size=${MARIADB_LOG_FILE_SIZE:-96M} ${MARIADB_EXTRA_ARGS:-} \
    --log-error="$LOG_DIR/mariadb.log" >/dev/null 2>&1 &
  wait_port 127.0.0.1 "$MARIADB_PORT" 60 MariaDB
  log "MariaDB on 127.0.0.1:$MARIADB_PORT"
}

start_redis() {
  if [ -n "${REDIS_URL:-}" ]; then log "Redis: using REDIS_URL"; return; fi
  local dir=$RUN_DIR/redis
  if pid_alive "$dir/redis.pid" && port_open 127.0.0.1 "$REDIS_PORT"; then log "Redis already running on $REDIS_PORT"; return; fi
  mkdir -p "$dir"
  # AOF with fsync every second: mail and print jobs survive a restart.
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir" --appendonly yes --appendfsync everysec \
    --save '' --daemonize yes --pidfile "$dir/redis.pid" --logfile "$LOG_DIR/redis.log" >/dev/null
  wait_port 127.0.0.1 "$REDIS_PORT" 30 Redis
  log "Redis on 127.0.0.1:$REDIS_PORT"
}

# The codec endpoint as browsers reach it: the same value for the dev server's UI and the API's config.
codec_endpoint() { echo "${TEMPORAL_UI_CODEC_ENDPOINT:-http://127.0.0.1:${PORT:-${P/1/}3000}/codec}"; }

# Replaces the calling (sub)shell with the command at nice LEVEL (0: as is), so a background
# service's $! is the service itself.
exec_niced() { # level command [args...]
  local level=$1; shift
  if [ "$level" != 0 ]; then exec nice -n "$level" "$@"; else exec "$@"; fi
}

start_temporal() {
  if [ -n "${TEMPORAL_ADDRESS:-}" ]; then log "Temporal: using TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS"; return; fi
  local dir=$RUN_DIR/temporal
  if pid_alive "$dir/temporal.pid" && port_open 127.0.0.1 "$TEMPORAL_PORT"; then log "Temporal already running on $TEMPORAL_PORT"; return; fi
  ensure_temporal_cli
  mkdir -p "$dir"
  # The search attributes let staff filter cases in the UI; they never carry personal data.
  # The UI calls our codec (api/routes/codec.ts) for every payload it shows. The dev server (CLI
  # v1.5.1) sets only the codec's endpoint: it has no flag or variable for the UI's "include
  # cross-origin credentials" (the UI server's codec.includeCredentials), so staff make that
  # setting once per browser and sign in on <API>/codec/login (README "Temporal Web UI").
  # On one machine Temporal serves the worker's backlog more than the API: intake answers once the
  # case is committed and starts its workflow after (api/cases/intake.ts), so Temporal runs with the
  # worker's priority (TEMPORAL_NICE, default 10; 0 to disable) and the API keeps the CPU it needs
  # to answer people (bench:cases: POST p99 168 → 79 ms at 20 requests/s). A reviewer's claim or
  # decision waits on Temporal and the worker, so on a saturated machine it waits behind the backlog.
  # TEMPORAL_GOGC (default 400): Go collects the server's heap when it has grown by that many percent
  # instead of 100 — a larger heap (tens of MB here) for ~8 % less of its CPU (bench:cases, alternating
  # 200 + 200: 46 / 45 ms per case against 51 / 48).
  GOGC="${TEMPORAL_GOGC:-400}" exec_niced "${TEMPORAL_NICE:-10}" "$TEMPORAL_CLI" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
    --db-filename "$dir/temporal.db" --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
    --namespace "${TEMPORAL_NAMESPACE:-kyusui}" \
    --search-attribute CaseType=Keyword --search-attribute CaseStatus=Keyword --search-attribute Channel=Keyword \
    --ui-codec-endpoint "$(codec_endpoint)" \
    --dynamic-config-value system.enableActivityEagerExecution=true ${TEMPORAL_EXTRA_ARGS:-} \
    --log-level warn >"$LOG_DIR/temporal.log" 2>&1 &
  echo $! >"$dir/temporal.pid"
  wait_port 127.0.0.1 "$TEMPORAL_PORT" 90 Temporal
  wait_port 127.0.0.1 "$TEMPORAL_UI_PORT" 30 "Temporal UI"
  log "Temporal on 127.0.0.1:$TEMPORAL_PORT, UI on http://127.0.0.1:$TEMPORAL_UI_PORT"
}

stop_infra() {
  local dir
  dir=$RUN_DIR/temporal; if pid_alive "$dir/temporal.pid"; then kill "$(cat "$dir/temporal.pid")" 2>/dev/null || true; fi
  dir=$RUN_DIR/redis; if pid_alive "$dir/redis.pid"; then redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  dir=$RUN_DIR/mariadb; if pid_alive "$dir/mariadbd.pid"; then kill "$(cat "$dir/mariadbd.pid")" 2>/dev/null || true; fi
  local i
  for ((i = 0; i < 300; i++)); do
    pid_alive "$RUN_DIR/temporal/temporal.pid" || pid_alive "$RUN_DIR/mariadb/mariadbd.pid" || pid_alive "$RUN_DIR/redis/redis.pid" || return 0
    sleep 0.1
  done
}

# Secrets for local use only, made once per env and kept under .run/ (never committed).
ensure_local_secrets() {
  local f=$RUN_DIR/secrets.env
  umask 077
  touch "$f"
  # One line per secret, added when missing (an older env dir gains new secrets without losing its keys).
  add_secret() { grep -q "^$1=" "$f" || echo "$1=$2" >>"$f"; }
  add_secret MYNUMBER_KEYS "k1:$(head -c32 /dev/urandom | base64)"
  add_secret MYNUMBER_ACTIVE_KEY_ID k1
  add_secret MYNUMBER_INDEX_KEY "$(head -c32 /dev/urandom | base64)"
  add_secret PAYMENT_WEBHOOK_SECRET "$(head -c32 /dev/urandom | base64 | tr -d '/+=')"
  # The credential's ES256 key (P-256, PKCS#8 DER).
  if ! grep -q '^CREDENTIAL_SIGNING_KEYS=' "$f"; then
    node -e 'const k = require("node:crypto").generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
      console.log("CREDENTIAL_SIGNING_KEYS=c1:" + k.export({ format: "der", type: "pkcs8" }).toString("base64"));
      console.log("CREDENTIAL_ACTIVE_KEY_ID=c1")' >>"$f"
  fi
  # Keys added after an env was first made are appended, so an existing .run/<env> keeps its data.
  (
    umask 077
    grep -q '^TEMPORAL_CODEC_KEYS=' "$f" || {
      echo "TEMPORAL_CODEC_KEYS=t1:$(head -c32 /dev/urandom | base64)"
      echo "TEMPORAL_CODEC_ACTIVE_KEY_ID=t1"
    } >>"$f"
    grep -q '^AUDIT_SIGNING_KEY=' "$f" || echo "AUDIT_SIGNING_KEY=a1:$(head -c32 /dev/urandom | base64)" >>"$f"
  )
  umask 022
  set -a; . "$f"; set +a
}

# Points every process at this env's services, unless the caller gave URLs.
export_service_env() {
  export NODE_ENV=${NODE_ENV:-$([ "$KYUSUI_ENV" = test ] && echo test || echo development)}
  export DATABASE_URL=${DATABASE_URL:-mysql://kyusui_app:kyusui-app-dev@127.0.0.1:$MARIADB_PORT/kyusui}
  export VAULT_DATABASE_URL=${VAULT_DATABASE_URL:-mysql://kyusui_vault:kyusui-vault-dev@127.0.0.1:$MARIADB_PORT/kyusui_vault}
  export MIGRATION_DATABASE_URL=${MIGRATION_DATABASE_URL:-mysql://kyusui_migrator:kyusui-migrator-dev@127.0.0.1:$MARIADB_PORT/kyusui}
  export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:$REDIS_PORT}
  export TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:$TEMPORAL_PORT}
  export TEMPORAL_UI_URL=${TEMPORAL_UI_URL:-http://127.0.0.1:$TEMPORAL_UI_PORT}
  TEMPORAL_UI_CODEC_ENDPOINT=$(codec_endpoint); export TEMPORAL_UI_CODEC_ENDPOINT
  export MAIL_SINK_SMTP_PORT=${MAIL_SINK_SMTP_PORT:-${P}1025}
  export MAIL_SINK_HTTP_PORT=${MAIL_SINK_HTTP_PORT:-${P}8025}
  export SMTP_URL=${SMTP_URL:-smtp://127.0.0.1:$MAIL_SINK_SMTP_PORT}
  export MAIL_SINK_DIR=${MAIL_SINK_DIR:-$RUN_DIR/mail}
  export DOCUMENT_STORE_DIR=${DOCUMENT_STORE_DIR:-$RUN_DIR/documents}
  export PRINT_SPOOL_DIR=${PRINT_SPOOL_DIR:-$RUN_DIR/print-spool}
  export AUDIT_CHECKPOINT_DIR=${AUDIT_CHECKPOINT_DIR:-$RUN_DIR/audit-checkpoints}
}

# Remembers whether the services were started by the caller's environment (URL given) or by us.
capture_given_urls() {
  GIVEN_DATABASE_URL=${DATABASE_URL:-}; GIVEN_REDIS_URL=${REDIS_URL:-}
  GIVEN_TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-}; GIVEN_SMTP_URL=${SMTP_URL:-}
}

start_infra() {
  capture_given_urls
  ensure_node_modules
  ensure_system_packages
  start_mariadb
  start_redis
  start_temporal
  export_service_env
  ensure_local_secrets
  if [ -z "$GIVEN_DATABASE_URL" ]; then
    (cd "$ROOT" && npx tsx scripts/provision-db.ts ${RESET_DB:+--reset}) || die "database provisioning failed"
  fi
  (cd "$ROOT" && npx tsx scripts/migrate.ts) || die "migrations failed"
}

# Node processes of the project (mail sink, simulators, worker, API), each with a pid file and a log.
NODE_PIDS=()
start_node() { # name script [args...]
  local name=$1; shift
  # NODE_PROFILE_DIR=<dir>: V8 CPU profiles of every node service, written when it exits (for benchmarks).
  local preload=()
  # The worker: workflows without the SDK's per-promise stack-trace tracking (see the file).
  [ "$name" = worker ] && preload=(--require "$ROOT/worker/workflow-threads.cjs")
  # On one machine the API answers people and the worker works through a backlog: the worker gets
  # the CPU the API leaves (WORKER_NICE, default 10; 0 to disable). The simulators stand for remote
  # systems, which run on their own machines in production: SIMULATOR_NICE, default 10. Separate
  # hosts need nothing. (Temporal: TEMPORAL_NICE, in start_temporal.)
  local level=0
  case $name in
    worker) level=${WORKER_NICE:-10} ;;
    sim-*) level=${SIMULATOR_NICE:-10} ;;
  esac
  # WORKER_NODE_FLAGS / API_NODE_FLAGS: node (V8) flags of that service only.
  local flags_var="${name^^}_NODE_FLAGS"; flags_var=${flags_var//-/_}
  (cd "$ROOT" && exec_niced "$level" node ${!flags_var:-} ${NODE_PROFILE_DIR:+--cpu-prof --cpu-prof-dir="$NODE_PROFILE_DIR"} "${preload[@]}" --import tsx "$@") >"$LOG_DIR/$name.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$RUN_DIR/$name.pid"
  NODE_PIDS+=("$pid")
}

stop_nodes() {
  local pid
  for pid in "${NODE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  local i
  for ((i = 0; i < 200; i++)); do
    local alive=0
    for pid in "${NODE_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.1
  done
  for pid in "${NODE_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}

# Local stand-ins of the outside systems, on the env's ports (dev: 3101-3103, test: 23101-23103).
start_mail_sink() {
  if [ -n "${GIVEN_SMTP_URL:-}" ]; then log "SMTP: using SMTP_URL"; return; fi
  start_node mail-sink scripts/mail-sink.ts
  wait_port 127.0.0.1 "$MAIL_SINK_HTTP_PORT" 60 "mail sink"
}

start_simulators() {
  export JUKI_SIM_URL=${JUKI_SIM_URL:-http://127.0.0.1:${P/1/}3101}
  export CHUKAN_SIM_URL=${CHUKAN_SIM_URL:-http://127.0.0.1:${P/1/}3102}
  export PAYMENT_SIM_URL=${PAYMENT_SIM_URL:-http://127.0.0.1:${P/1/}3103}
  local name port
  for name in juki chukan payment; do
    [ -f "$ROOT/simulators/$name/main.ts" ] || continue
    case $name in juki) port=${JUKI_SIM_URL##*:};; chukan) port=${CHUKAN_SIM_URL##*:};; payment) port=${PAYMENT_SIM_URL##*:};; esac
    local extra=()
    [ "$name" != payment ] || extra=(--webhook-secret "$PAYMENT_WEBHOOK_SECRET")
    # The simulators log at the system's LOG_LEVEL like every other service (their own default is
    # info: a line per request, which bench:cases, at warn, does not want to pay for).
    start_node "sim-$name" "simulators/$name/main.ts" --port "$port" --log-level "${LOG_LEVEL:-info}" "${extra[@]}"
    wait_port 127.0.0.1 "$port" 60 "$name simulator"
  done
}
