#!/bin/sh
# Creates or completes the warehouse schema (momo init changes nothing when it is up to date), then runs
# the momo command given: `serve` by default, or e.g. `docker compose run --rm momo pipeline --scale small`.
set -eu
if [ "${MOMO_INIT_ON_START:-1}" = "1" ]; then
  momo init
fi
exec momo "$@"
