#!/usr/bin/env bash
# The whole test suite with its own set-up: services on the test ports under .run/test, an empty
# database migrated forwards, a fresh Temporal dev server; stopped again at the end.
# Extra arguments go to jest (e.g. `npm test -- tests/integration/smoke.test.ts`).
export KYUSUI_ENV=test
source "$(dirname "$0")/lib.sh"

cleanup() {
  local rc=$?
  stop_nodes
  [ "${KEEP_SERVICES:-}" = 1 ] || stop_infra
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Start from nothing: the suite must prove that a fresh system works.
stop_infra
rm -rf "$RUN_DIR/temporal" "$RUN_DIR/redis" "$RUN_DIR/mail" "$RUN_DIR/documents" "$RUN_DIR/audit-checkpoints"
export RESET_DB=1
start_infra
start_mail_sink
start_simulators

cd "$ROOT"
if [ "${SKIP_STATIC:-}" != 1 ]; then # SKIP_STATIC=1: iterate on tests only (CI never sets it)
  log "lint and type check"
  npx eslint . || die "lint failed"
  npx tsc --noEmit -p tsconfig.json || die "type check failed"
  npx tsc --noEmit -p credential/web/tsconfig.json || die "type check of the credential pages (DOM) failed"
fi

# Workflows run as in the worker process: without the SDK's promise stack-trace tracking
# (worker/workflow-threads.cjs; tests/workflows/stack-traces.test.ts checks both modes).
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--require $ROOT/worker/workflow-threads.cjs"
log "jest"
set +e
npx jest --runInBand --json --outputFile="$RUN_DIR/jest-result.json" "$@"
rc=$?
set -e
# A closing line in the plain form every CI reader understands.
node -e '
  const r = require(process.argv[1]);
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$RUN_DIR/jest-result.json" || true
exit $rc
