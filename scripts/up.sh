#!/usr/bin/env bash
# Brings the whole system up on local defaults: dependencies, MariaDB, Redis, the Temporal dev
# server with its Web UI, migrations, the mail sink, the simulators, the worker and the API.
# Ctrl-C stops everything; data stays under .run/dev for the next run.
export KYUSUI_ENV=dev
source "$(dirname "$0")/lib.sh"

shutdown() {
  trap - INT TERM EXIT
  log "stopping…"
  stop_nodes
  stop_infra
  log "stopped; data kept under $RUN_DIR"
  exit 0
}
trap shutdown INT TERM EXIT

start_infra
start_mail_sink
start_simulators
start_node worker worker/main.ts
start_node api api/main.ts
export PORT=${PORT:-3000}
wait_port 127.0.0.1 "$PORT" 60 API

cat <<INFO

  給水装置工事主任技術者免状 — local system is up
  API            http://127.0.0.1:$PORT        (health: /healthz, /readyz)
  OpenAPI        http://127.0.0.1:$PORT/openapi.json
  Temporal UI    $TEMPORAL_UI_URL/namespaces/${TEMPORAL_NAMESPACE:-kyusui}/workflows
  Codec sign-in  http://127.0.0.1:$PORT/codec/login  (staff: decoded histories in the Temporal UI)
  Queues         http://127.0.0.1:$PORT/admin/queues
  Mail sink      http://127.0.0.1:$MAIL_SINK_HTTP_PORT  (SMTP $SMTP_URL)
  住基ネット sim   $JUKI_SIM_URL
  中間サーバー sim $CHUKAN_SIM_URL
  Payment sim    $PAYMENT_SIM_URL
  Logs           $LOG_DIR

  Ctrl-C stops everything (data is kept).
INFO

# Stay up while the worker and the API live; if one dies, say so and stop the rest.
while kill -0 "$(cat "$RUN_DIR/worker.pid")" 2>/dev/null && kill -0 "$(cat "$RUN_DIR/api.pid")" 2>/dev/null; do
  sleep 1
done
log "the worker or the API exited; see $LOG_DIR/worker.log and $LOG_DIR/api.log"
exit 1
