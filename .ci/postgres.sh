#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster for the lock tests and prints its URL, nothing else,
# on standard output:   export SIMRUN_PG_URL="$(.ci/postgres.sh)"
# Stop it with:         .ci/postgres.sh stop
#
# Starts and stops are counted: a start that finds the server already running reuses it, and a stop
# shuts the server down only when it balances the first start, so a CI run inside a machine where a
# developer's server already runs leaves that server up.
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

users_file="${dir}/users"
users() { cat "${users_file}" 2>/dev/null || echo 0; }

if [ "${1:-start}" = "stop" ]; then
  remaining=$(( $(users) - 1 ))
  if [ "${remaining}" -gt 0 ]; then
    echo "${remaining}" >"${users_file}"
    exit 0
  fi
  rm -f "${users_file}"
  if [ -f "${dir}/data/postmaster.pid" ]; then
    as_postgres "${bin}/pg_ctl" -D "${dir}/data" -m fast -w stop >/dev/null
  fi
  exit 0
fi

if [ -f "${dir}/data/postmaster.pid" ] && as_postgres "${bin}/pg_ctl" -D "${dir}/data" status >/dev/null 2>&1; then
  echo $(( $(users) + 1 )) >"${users_file}"
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
echo 1 >"${users_file}"
echo "${url}"
