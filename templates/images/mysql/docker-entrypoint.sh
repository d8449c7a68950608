#!/bin/bash
# Entry point for the mysql stand-in (MariaDB underneath).
#
# On the first start with an empty /var/lib/mysql it creates the system
# tables, sets the root password from MYSQL_ROOT_PASSWORD (or accepts
# MYSQL_ALLOW_EMPTY_PASSWORD / MYSQL_RANDOM_ROOT_PASSWORD), creates
# MYSQL_DATABASE and MYSQL_USER/MYSQL_PASSWORD, and runs the files in
# /docker-entrypoint-initdb.d. Later starts reuse the data as it is.
# MARIADB_* spellings of the same variables are accepted as well.
set -eo pipefail

log() { printf '%s [Entrypoint]: %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S+00:00')" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Take VAR, or MARIADB_ spelling of it, or VAR_FILE (a file holding the value).
env_value() {
    local name="$1" alt="MARIADB_${1#MYSQL_}" v=""
    if [ -n "${!name:-}" ]; then v="${!name}"
    elif [ -n "${!alt:-}" ]; then v="${!alt}"
    else
        local f="${name}_FILE"
        [ -n "${!f:-}" ] && v="$(< "${!f}")"
    fi
    printf '%s' "$v"
}

# "mysqld --flags" may be written as just "--flags".
if [ "${1:0:1}" = '-' ]; then
    set -- mysqld "$@"
fi

case "$1" in
    mysqld|mariadbd) ;;
    *) exec "$@" ;;
esac

# "--help" or "--verbose --help" style invocations need no data directory.
for arg; do
    case "$arg" in
        --help|--version|-V|-\?) exec "$@" ;;
    esac
done

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock
mkdir -p /run/mysqld "$DATADIR"
if [ "$(id -u)" = 0 ]; then
    chown mysql:mysql /run/mysqld
    # Only fix ownership of a fresh or root-owned directory (bind mounts).
    [ "$(stat -c %U "$DATADIR")" = mysql ] || chown -R mysql:mysql "$DATADIR"
    set -- "$@" --user=mysql
fi

sql_escape() { printf '%s' "$1" | sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/\\\\'/g"; }
ident_escape() { printf '%s' "$1" | sed -e 's/`/``/g'; }

if [ ! -d "$DATADIR/mysql" ]; then
    ROOT_PASSWORD="$(env_value MYSQL_ROOT_PASSWORD)"
    ALLOW_EMPTY="$(env_value MYSQL_ALLOW_EMPTY_PASSWORD)"
    RANDOM_ROOT="$(env_value MYSQL_RANDOM_ROOT_PASSWORD)"
    ROOT_HOST="$(env_value MYSQL_ROOT_HOST)"; ROOT_HOST="${ROOT_HOST:-%}"
    DATABASE="$(env_value MYSQL_DATABASE)"
    USER_NAME="$(env_value MYSQL_USER)"
    USER_PASSWORD="$(env_value MYSQL_PASSWORD)"

    if [ -z "$ROOT_PASSWORD" ] && [ -z "$ALLOW_EMPTY" ] && [ -z "$RANDOM_ROOT" ]; then
        die "Database is uninitialized and password option is not specified
    You need to specify one of the following as an environment variable:
    - MYSQL_ROOT_PASSWORD
    - MYSQL_ALLOW_EMPTY_PASSWORD
    - MYSQL_RANDOM_ROOT_PASSWORD"
    fi
    if [ "$USER_NAME" = root ]; then
        die "MYSQL_USER=\"root\" is not allowed; use MYSQL_ROOT_PASSWORD for the root account"
    fi
    if [ -n "$USER_NAME" ] && [ -z "$USER_PASSWORD" ]; then
        die "MYSQL_USER is set but MYSQL_PASSWORD is empty"
    fi
    if [ -n "$RANDOM_ROOT" ] && [ -z "$ROOT_PASSWORD" ]; then
        # tr is cut off by head on purpose; that is not a failure.
        ROOT_PASSWORD="$(tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 32 || true)"
        log "GENERATED ROOT PASSWORD: $ROOT_PASSWORD"
    fi

    log "Initializing database files"
    mariadb-install-db --datadir="$DATADIR" --user=mysql --skip-test-db \
        --auth-root-authentication-method=normal --skip-name-resolve > /dev/null
    log "Database files initialized"

    log "Starting temporary server"
    "$@" --skip-networking --socket="$SOCKET" &
    pid=$!
    for i in $(seq 1 60); do
        if mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1; then break; fi
        kill -0 "$pid" 2>/dev/null || die "temporary server failed to start"
        sleep 1
    done
    mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 || die "temporary server did not answer"
    log "Temporary server started"

    client=(mariadb --protocol=socket --socket="$SOCKET" -uroot)

    rp="$(sql_escape "$ROOT_PASSWORD")"
    rh="$(sql_escape "$ROOT_HOST")"
    {
        echo "SET @@SESSION.SQL_LOG_BIN=0;"
        # Keep only root@localhost from the generated accounts.
        echo "DELETE FROM mysql.global_priv WHERE User='' OR (User='root' AND Host NOT IN ('localhost'));"
        echo "DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost');"
        echo "FLUSH PRIVILEGES;"
        echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$rp';"
        if [ "$ROOT_HOST" != localhost ]; then
            echo "CREATE USER 'root'@'$rh' IDENTIFIED BY '$rp';"
            echo "GRANT ALL PRIVILEGES ON *.* TO 'root'@'$rh' WITH GRANT OPTION;"
            echo "GRANT PROXY ON ''@'%' TO 'root'@'$rh' WITH GRANT OPTION;"
        fi
        echo "DROP DATABASE IF EXISTS test;"
        if [ -n "$DATABASE" ]; then
            echo "CREATE DATABASE IF NOT EXISTS \`$(ident_escape "$DATABASE")\`;"
        fi
        if [ -n "$USER_NAME" ]; then
            echo "CREATE USER '$(sql_escape "$USER_NAME")'@'%' IDENTIFIED BY '$(sql_escape "$USER_PASSWORD")';"
            if [ -n "$DATABASE" ]; then
                echo "GRANT ALL ON \`$(ident_escape "$DATABASE")\`.* TO '$(sql_escape "$USER_NAME")'@'%';"
            fi
        fi
        echo "FLUSH PRIVILEGES;"
    } | "${client[@]}"
    # From here on root has its password.
    if [ -n "$ROOT_PASSWORD" ]; then
        client+=("-p$ROOT_PASSWORD")
    fi
    [ -n "$DATABASE" ] && client+=("$DATABASE")

    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case "$f" in
            *.sh)
                if [ -x "$f" ]; then log "running $f"; "$f"
                else log "sourcing $f"; . "$f"; fi ;;
            *.sql)    log "running $f"; "${client[@]}" < "$f" ;;
            *.sql.gz) log "running $f"; gunzip -c "$f" | "${client[@]}" ;;
            *.sql.xz) log "running $f"; xzcat "$f" | "${client[@]}" ;;
            *)        log "ignoring $f" ;;
        esac
    done

    log "Stopping temporary server"
    kill "$pid"
    wait "$pid" || true
    log "Temporary server stopped"
    log "MySQL-compatible init process done. Ready for start up."
fi

exec "$@"
