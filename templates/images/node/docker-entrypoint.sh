#!/bin/sh
# As the official image's entry point: when the first argument is an option
# ("-e"), names no command on the PATH, or is a file that is not executable
# ("app.js"), it is an argument for node: "docker run node:18 app.js" runs
# "node app.js". Anything else runs as given.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1" || true)" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
    set -- node "$@"
fi
exec "$@"
