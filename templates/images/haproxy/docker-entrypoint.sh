#!/bin/sh
# Entry point for the haproxy stand-in.
# "-f file" style arguments mean "haproxy -f file". HAProxy itself is always
# started in master-worker mode (-W) and in the foreground (-db), so it stays
# PID 1's child tree in the container, logs reach "docker logs", and a
# SIGUSR2 to the container reloads the configuration.
set -e
case "$1" in
    -*) set -- haproxy "$@" ;;
esac
if [ "$1" = haproxy ]; then
    shift
    set -- haproxy -W -db "$@"
fi
exec "$@"
