#!/usr/bin/env bash
# Starts a throwaway MariaDB server for the DAG run-log tests and prints its URL, nothing else, on
# standard output:      export SIMRUN_MYSQL_URL="$(.ci/mariadb.sh)"
# Stop it with:         .ci/mariadb.sh stop
#
# Starts and stops are counted as in .ci/postgres.sh: a start that finds the server running reuses
# it, and only the stop that balances the first start shuts it down.
#
# The data directory is created with mariadb-install-db and the server runs as the current user
# (root in CI, hence --user=root), listening on loopback and a socket in the directory. The root
# account has no password: the server is for tests only. Durability is off: the data is disposable.
# Settings (environment): SIMRUN_MYSQL_PORT (default 53306), SIMRUN_MYSQL_DIR (default /tmp/simrun-mysql-PORT).
set -euo pipefail

port="${SIMRUN_MYSQL_PORT:-53306}"
dir="${SIMRUN_MYSQL_DIR:-/tmp/simrun-mysql-${port}}"
socket="${dir}/mysqld.sock"
url="mysql://root@127.0.0.1:${port}/simrun"
users_file="${dir}/users"
users() { cat "${users_file}" 2>/dev/null || echo 0; }

if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  echo "mariadb.sh: no MariaDB server (apt-get install -y mariadb-server)" >&2
  exit 1
fi
mariadbd_bin="$(command -v mariadbd || echo /usr/sbin/mariadbd)"

alive() { mariadb-admin --socket="${socket}" -u root ping >/dev/null 2>&1; }

if [ "${1:-start}" = "stop" ]; then
  remaining=$(( $(users) - 1 ))
  if [ "${remaining}" -gt 0 ]; then
    echo "${remaining}" >"${users_file}"
    exit 0
  fi
  rm -f "${users_file}"
  if alive; then mariadb-admin --socket="${socket}" -u root shutdown >/dev/null 2>&1 || true; fi
  exit 0
fi

if alive; then
  echo $(( $(users) + 1 )) >"${users_file}"
  echo "${url}"
  exit 0
fi

mkdir -p "${dir}"
if [ ! -d "${dir}/data/mysql" ]; then
  mariadb-install-db --no-defaults --user="$(id -un)" --datadir="${dir}/data" --auth-root-authentication-method=normal \
    --skip-test-db >"${dir}/install.log" 2>&1 || {
    cat "${dir}/install.log" >&2
    exit 1
  }
fi
"${mariadbd_bin}" --no-defaults --user="$(id -un)" --datadir="${dir}/data" --socket="${socket}" --port="${port}" \
  --bind-address=127.0.0.1 --pid-file="${dir}/mysqld.pid" --log-error="${dir}/server.log" \
  --skip-name-resolve --innodb-flush-log-at-trx-commit=0 --sync-binlog=0 --innodb-buffer-pool-size=64M \
  >/dev/null 2>&1 &
for _ in $(seq 1 100); do
  alive && break
  sleep 0.2
done
if ! alive; then
  echo "mariadb.sh: the server did not start; its log:" >&2
  cat "${dir}/server.log" >&2 || true
  exit 1
fi
mariadb --socket="${socket}" -u root -e 'CREATE DATABASE IF NOT EXISTS simrun' >/dev/null
echo 1 >"${users_file}"
echo "${url}"
