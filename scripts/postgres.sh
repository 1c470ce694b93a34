#!/usr/bin/env bash
# Makes the local PostgreSQL ready for the test suites: starts the cluster if it is stopped and
# creates the role the tests connect as (TEST_POSTGRES_URL's default,
# postgres://agent_access:agent_access@127.0.0.1:5432/postgres), allowed to create the
# database each test run makes and drops. Does nothing harmful when run again.
#   --install   install PostgreSQL with apt-get where it is absent (CI does)
# Without PostgreSQL (and without --install) it says so and exits 0: `pnpm test` then skips the
# PostgreSQL suites with one line saying why.
set -euo pipefail

ROLE=agent_access
PASSWORD=agent_access

sudo_cmd=()
if [ "$(id -u)" != "0" ]; then sudo_cmd=(sudo); fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "${1:-}" = "--install" ]; then
    "${sudo_cmd[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q postgresql
  else
    echo "PostgreSQL is not installed: its test suites will be skipped (apt-get install postgresql, then run this again)."
    exit 0
  fi
fi

# Start every cluster that is down (a fresh install has one, e.g. 15/main on port 5432).
while read -r version cluster _port status _rest; do
  if [ "$status" = "down" ]; then "${sudo_cmd[@]}" pg_ctlcluster "$version" "$cluster" start; fi
done < <(pg_lsclusters --no-header)

as_postgres() {
  if [ "$(id -u)" = "0" ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi
}

for _ in $(seq 1 30); do
  if as_postgres "psql -qAtc 'SELECT 1'" >/dev/null 2>&1; then break; fi
  sleep 1
done

as_postgres "psql -v ON_ERROR_STOP=1 -qc \"DO \\\$\\\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END \\\$\\\$\""
echo "PostgreSQL is ready for the tests: role $ROLE on 127.0.0.1:5432."
