#!/usr/bin/env bash
# Lab 3 by hand: build the reference, run it, ask it, remove it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
ctx="$(mktemp -d)"
name="bench-03-$$"
cp -r "$root/templates/apps/node-hello/." "$root/labs/03-my-node-app/solution/." "$ctx/"
trap 'docker rm -f "$name" >/dev/null 2>&1; docker rmi "$name" >/dev/null 2>&1; rm -rf "$ctx"' EXIT
docker build -q -t "$name" "$ctx" >/dev/null
docker run -d --name "$name" -p 127.0.0.1::3000 "$name" >/dev/null
port="$(docker port "$name" 3000/tcp | head -1 | sed 's/.*://')"
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/" | grep -q 'Hello World'; then exit 0; fi
  sleep 0.1
done
exit 1
