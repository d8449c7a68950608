#!/bin/sh
# Entry point for the mongo stand-in. "mongod" (the official default command)
# and bare "--flags" start FerretDB; options meant for mongod are reported and
# dropped, because FerretDB has different ones and is configured through the
# FERRETDB_* variables instead. "ferretdb ..." runs FerretDB with the given
# flags; any other command runs as given.
set -e
case "$1" in
    mongod|-*)
        [ "$1" = mongod ] && shift
        if [ "$#" -gt 0 ]; then
            echo "docker-entrypoint: ignoring mongod options (not supported by FerretDB): $*" >&2
        fi
        set -- ferretdb
        ;;
esac
if [ "$1" = ferretdb ]; then
    mkdir -p /data/db
    # MONGO_INITDB_ROOT_USERNAME/PASSWORD (or their _FILE forms) turn on
    # authentication, as in the official image: FerretDB's SCRAM support
    # (still marked experimental in 1.x) is enabled and the user is created
    # in the admin database when the data directory is first set up.
    # Without them, as with the official image, no credentials are checked.
    for v in MONGO_INITDB_ROOT_USERNAME MONGO_INITDB_ROOT_PASSWORD; do
        eval "val=\${$v:-}; file=\${${v}_FILE:-}"
        if [ -z "$val" ] && [ -n "$file" ]; then
            export "$v=$(cat "$file")"
        fi
    done
    if [ -n "${MONGO_INITDB_ROOT_USERNAME:-}" ] || [ -n "${MONGO_INITDB_ROOT_PASSWORD:-}" ]; then
        if [ -z "${MONGO_INITDB_ROOT_USERNAME:-}" ] || [ -z "${MONGO_INITDB_ROOT_PASSWORD:-}" ]; then
            echo "docker-entrypoint: error: MONGO_INITDB_ROOT_USERNAME and MONGO_INITDB_ROOT_PASSWORD must be set together" >&2
            exit 1
        fi
        export FERRETDB_TEST_ENABLE_NEW_AUTH=true
        export FERRETDB_SETUP_USERNAME="$MONGO_INITDB_ROOT_USERNAME"
        export FERRETDB_SETUP_PASSWORD="$MONGO_INITDB_ROOT_PASSWORD"
        export FERRETDB_SETUP_DATABASE=admin
    fi
fi
exec "$@"
