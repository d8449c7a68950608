#!/bin/sh
# The official mariadb image's health check script, as far as compose files
# use it: "healthcheck.sh --connect [--innodb_initialized]". Each test is
# passed when the server answers on its TCP port. mariadb-admin's ping
# succeeds even when the account is refused: a refusal is an answer, so the
# server is up and has finished starting (InnoDB is initialised before the
# server accepts connections).
set -e
[ $# -gt 0 ] || set -- --connect
for test in "$@"; do
    case "$test" in
        --connect|--innodb_initialized|--innodb-initialized)
            mariadb-admin --protocol=tcp --host=127.0.0.1 --port="${MARIADB_PORT:-3306}" --connect-timeout=2 ping >/dev/null 2>&1 \
                || { echo "healthcheck $test failed: the server does not answer on port ${MARIADB_PORT:-3306}" >&2; exit 1; }
            ;;
        --su=*|--su-mysql|--defaults-file=*|--no-defaults|--datadir=*) ;;
        *) echo "healthcheck: $test is not offered by docklab's stand-in (only --connect and --innodb_initialized)" >&2; exit 1 ;;
    esac
done
