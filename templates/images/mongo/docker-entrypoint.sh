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
    # MONGO_INITDB_* variables are not supported: FerretDB 1.x with SQLite
    # has no user accounts. Say so instead of silently ignoring them.
    if [ -n "${MONGO_INITDB_ROOT_USERNAME:-}" ]; then
        echo "docker-entrypoint: note: MONGO_INITDB_ROOT_USERNAME is ignored; this server does not check credentials" >&2
    fi
fi
exec "$@"
