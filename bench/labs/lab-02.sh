#!/usr/bin/env bash
# Lab 2 by hand: the Docker CLI steps a person would type, for comparison.
set -euo pipefail
name="bench-02-$$"
docker run -d --name "$name" -p 127.0.0.1:8080:80 nginx:latest >/dev/null
trap 'docker rm -f "$name" >/dev/null' EXIT
for _ in $(seq 1 100); do
  if curl -fsS http://127.0.0.1:8080/ | grep -q 'Welcome to nginx!'; then exit 0; fi
  sleep 0.1
done
exit 1
