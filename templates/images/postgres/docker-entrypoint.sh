#!/bin/bash
# Entry point for the postgres stand-in.
#
# First start (no $PGDATA/PG_VERSION): create the cluster with initdb, owner
# POSTGRES_USER (default postgres) whose password is POSTGRES_PASSWORD,
# create POSTGRES_DB (default: the user's name), allow password logins from
# any host, run /docker-entrypoint-initdb.d/*. Later starts use the data as
# it is. The server itself always runs as the postgres user.
set -eo pipefail

log() { printf '%s\n' "$*" >&2; }

# "postgres -c x=y" may be written as just "-c x=y".
if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi

if [ "$1" != postgres ]; then
    exec "$@"
fi
for arg; do
    case "$arg" in
        --help|--version|-V|--describe-config|-C) exec "$@" ;;
    esac
done

# As root: prepare directories, then run this script again as postgres.
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 3777 /var/run/postgresql
    if [ "$(stat -c %U "$PGDATA")" != postgres ]; then
        chown -R postgres:postgres "$PGDATA"
    fi
    chmod 700 "$PGDATA" 2>/dev/null || true
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

# *_FILE variants hold the value in a file (docker secrets).
for v in POSTGRES_PASSWORD POSTGRES_USER POSTGRES_DB POSTGRES_INITDB_ARGS; do
    f="${v}_FILE"
    if [ -z "${!v:-}" ] && [ -n "${!f:-}" ]; then
        export "$v"="$(< "${!f}")"
    fi
done
export POSTGRES_USER="${POSTGRES_USER:-postgres}"
export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    auth="${POSTGRES_HOST_AUTH_METHOD:-}"
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.
MSG
        exit 1
    fi
    auth="${auth:-scram-sha-256}"

    pwfile=""
    if [ -n "${POSTGRES_PASSWORD:-}" ]; then
        pwfile="$(mktemp)"
        printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    fi
    # Local (socket) connections inside the container are trusted, like in
    # the official image, so "docker exec ... psql -U postgres" just works.
    initdb --username="$POSTGRES_USER" ${pwfile:+--pwfile="$pwfile"} \
        --auth-local=trust --auth-host="$auth" $POSTGRES_INITDB_ARGS
    [ -n "$pwfile" ] && rm -f "$pwfile"

    printf '\n# Added by the container entry point: password logins from anywhere.\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
    printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"

    # A temporary server reachable only through the socket, for setup.
    pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -p 5432" start
    psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres)
    if [ "$POSTGRES_DB" != postgres ]; then
        # Fed through stdin: psql substitutes :'db' there, but not in -c.
        exists="$("${psql[@]}" -tA -v db="$POSTGRES_DB" <<'SQL'
SELECT 1 FROM pg_database WHERE datname = :'db';
SQL
)"
        if [ -z "$exists" ]; then
            "${psql[@]}" -v db="$POSTGRES_DB" <<'SQL'
CREATE DATABASE :"db";
SQL
        fi
    fi
    psql+=(--dbname "$POSTGRES_DB")
    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case "$f" in
            *.sh)
                if [ -x "$f" ]; then log "running $f"; "$f"
                else log "sourcing $f"; . "$f"; fi ;;
            *.sql)    log "running $f"; "${psql[@]}" -f "$f" ;;
            *.sql.gz) log "running $f"; gunzip -c "$f" | "${psql[@]}" ;;
            *)        log "ignoring $f" ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    log ""
    log "PostgreSQL init process complete; ready for start up."
    log ""
fi

exec "$@"
