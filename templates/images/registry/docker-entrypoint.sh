#!/bin/sh
# Entry point for the registry stand-in: a config file path (or no argument
# at all) means "serve with this config"; "serve", "garbage-collect" and the
# other registry subcommands are passed to the registry; anything else is
# run as a command.
set -e
case "$1" in
    *.yaml|*.yml) set -- registry serve "$@" ;;
    serve|garbage-collect|help|-*) set -- registry "$@" ;;
esac
exec "$@"
