#!/bin/sh
# Entry point modelled on the official image's behaviour that labs rely on:
#  - when nginx itself is started, first run any executable *.sh placed in
#    /docker-entrypoint.d/ (shell scripts are sourced if not executable);
#  - render /etc/nginx/templates/*.template with environment variables into
#    /etc/nginx/conf.d/ (file name without .template), using envsubst
#    limited to variables that are actually set, so nginx's own $variables
#    survive.
# Any other command (sh, cat, nginx -t, ...) is run as given.
set -e

if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    if [ -d /docker-entrypoint.d ]; then
        for f in $(find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f | sort); do
            case "$f" in
                *.sh)
                    if [ -x "$f" ]; then
                        echo "$0: running $f"
                        "$f"
                    else
                        echo "$0: sourcing $f"
                        . "$f"
                    fi
                    ;;
                *) echo "$0: ignoring $f" ;;
            esac
        done
    fi

    tdir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
    odir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
    suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
    if [ -d "$tdir" ]; then
        vars=$(env | cut -d= -f1 | sed -e 's/^/$/' | tr '\n' ' ')
        for t in $(find "$tdir" -follow -type f -name "*$suffix" | sort); do
            rel="${t#$tdir/}"
            out="$odir/${rel%$suffix}"
            mkdir -p "$(dirname "$out")"
            echo "$0: rendering $t to $out"
            envsubst "$vars" < "$t" > "$out"
        done
    fi
    echo "$0: configuration done; starting nginx"
fi

exec "$@"
