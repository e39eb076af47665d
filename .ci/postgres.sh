#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster for the lock tests and prints its URL, nothing else,
# on standard output:   export SIMRUN_PG_URL="$(.ci/postgres.sh)"
# Stop it with:         .ci/postgres.sh stop
#
# PostgreSQL refuses to run as root, so the cluster belongs to the `postgres` user. fsync is off:
# the data is disposable and the tests should measure the locks, not the disk.
# Settings (environment): SIMRUN_PG_PORT (default 55432), SIMRUN_PG_DIR (default /tmp/simrun-pg-PORT).
set -euo pipefail

port="${SIMRUN_PG_PORT:-55432}"
dir="${SIMRUN_PG_DIR:-/tmp/simrun-pg-${port}}"
bin="${SIMRUN_PG_BIN:-/usr/lib/postgresql/15/bin}"
url="postgres://postgres@127.0.0.1:${port}/postgres"

as_postgres() {
  if [ "$(id -un)" = "postgres" ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

if [ ! -x "${bin}/initdb" ]; then
  echo "postgres.sh: no PostgreSQL binaries in ${bin} (apt-get install -y postgresql)" >&2
  exit 1
fi

if [ "${1:-start}" = "stop" ]; then
  if [ -f "${dir}/data/postmaster.pid" ]; then
    as_postgres "${bin}/pg_ctl" -D "${dir}/data" -m fast -w stop >&2
  fi
  exit 0
fi

if [ -f "${dir}/data/postmaster.pid" ] && as_postgres "${bin}/pg_ctl" -D "${dir}/data" status >/dev/null 2>&1; then
  echo "${url}"
  exit 0
fi

mkdir -p "${dir}"
chown postgres: "${dir}" 2>/dev/null || true
if [ ! -f "${dir}/data/PG_VERSION" ]; then
  as_postgres "${bin}/initdb" -D "${dir}/data" -A trust -U postgres --no-sync >"${dir}/initdb.log" 2>&1 || {
    cat "${dir}/initdb.log" >&2
    exit 1
  }
fi
as_postgres "${bin}/pg_ctl" -D "${dir}/data" -l "${dir}/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
  start >/dev/null 2>&1 || {
  echo "postgres.sh: the server did not start; its log:" >&2
  cat "${dir}/server.log" >&2 || true
  exit 1
}
echo "${url}"
