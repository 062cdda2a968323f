#!/usr/bin/env bash
# `npm run admin -- <command> …`: the admin commands (scripts/admin.ts) against the services of the
# local env that `npm run up` started (dev; KYUSUI_ENV=test for the test env), with that env's
# secrets from .run/<env>/secrets.env. Where DATABASE_URL is given (another deployment), nothing
# local is read: the caller's environment is used as it is.
source "$(dirname "$0")/lib.sh"
if [ -z "${DATABASE_URL:-}" ]; then
  [ -f "$RUN_DIR/secrets.env" ] || die "no $RUN_DIR/secrets.env: start the system once with 'npm run up', or set DATABASE_URL and the other variables (.env.example)"
  set -a; . "$RUN_DIR/secrets.env"; set +a
  export_service_env
fi
cd "$ROOT" && exec npx tsx scripts/admin.ts "$@"
