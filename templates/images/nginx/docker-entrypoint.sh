#!/bin/sh
# Entry point with the official image's behaviour that labs and learners
# rely on: when nginx itself is started, the files in /docker-entrypoint.d/
# run first, in name order (an executable *.sh is run, an executable *.envsh
# is sourced so that the variables it sets reach nginx, anything else is
# ignored). The template rendering lives there too, in
# 20-envsubst-on-templates.sh, so a learner who replaces or removes it gets
# what they would get with the official image.
# Any other command (sh, cat, nginx -t, ...) is run as given.
set -e

if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    if [ -d /docker-entrypoint.d ] && [ -n "$(find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f -print -quit)" ]; then
        echo "$0: running the scripts in /docker-entrypoint.d/"
        for f in $(find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f | sort); do
            case "$f" in
                *.envsh)
                    if [ -x "$f" ]; then echo "$0: sourcing $f"; . "$f"; else echo "$0: ignoring $f, not executable"; fi
                    ;;
                *.sh)
                    if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: ignoring $f, not executable"; fi
                    ;;
                *) echo "$0: ignoring $f" ;;
            esac
        done
        echo "$0: configuration done; starting nginx"
    else
        echo "$0: no files in /docker-entrypoint.d/, starting nginx"
    fi
fi

exec "$@"
