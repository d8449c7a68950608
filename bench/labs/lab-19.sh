#!/usr/bin/env bash
# Lab 19 by hand: build the reference, run it, ask it, remove it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
ctx="$(mktemp -d)"
name="bench-19-$$"
cp -r "$root/templates/apps/flask-hello/." "$root/labs/19-flask-hello-world/solution/." "$ctx/"
trap 'docker rm -f "$name" >/dev/null 2>&1; docker rmi "$name" >/dev/null 2>&1; rm -rf "$ctx"' EXIT
docker build -q -t "$name" "$ctx" >/dev/null
docker run -d --name "$name" -p 127.0.0.1::5000 "$name" >/dev/null
port="$(docker port "$name" 5000/tcp | head -1 | sed 's/.*://')"
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/" | grep -q 'Hello World'; then exit 0; fi
  sleep 0.1
done
exit 1
