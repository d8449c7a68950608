#!/usr/bin/env bash
# A files lab by hand, for comparison with `docklab run`: build the reference
# (shared app template + the lab's solution), run it, ask it, remove it.
# Usage: build-run-ask.sh LAB_FOLDER TEMPLATE CONTAINER_PORT
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
lab="$1" template="$2" port_in="$3"
ctx="$(mktemp -d)"
name="bench-${lab%%-*}-$$"
cp -r "$root/templates/apps/$template/." "$root/labs/$lab/solution/." "$ctx/"
trap 'docker rm -f "$name" >/dev/null 2>&1; docker rmi "$name" >/dev/null 2>&1; rm -rf "$ctx"' EXIT
docker build -q -t "$name" "$ctx" >/dev/null
docker run -d --name "$name" -p "127.0.0.1::$port_in" "$name" >/dev/null
port="$(docker port "$name" "$port_in/tcp" | head -1 | sed 's/.*://')"
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/" | grep -q 'Hello World'; then exit 0; fi
  sleep 0.1
done
exit 1
