#!/bin/sh
# fetch-tarball.sh PACKAGE VERSION SHA512-BASE64 DIR
# Downloads PACKAGE@VERSION from the npm registry, checks it against the
# sha512 integrity the registry publishes, and unpacks it into DIR.
set -e
name="$1" version="$2" integrity="$3" dir="$4"
registry="${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}"
registry="${registry%/}"
tmp="$(mktemp)"
curl -fsSL --retry 3 -o "$tmp" "$registry/$name/-/$name-$version.tgz"
expected="$(printf '%s' "$integrity" | base64 -d | od -An -v -tx1 | tr -d ' \n')"
echo "$expected  $tmp" | sha512sum -c - >/dev/null || { echo "$name@$version: the download does not match its sha512 integrity" >&2; exit 1; }
mkdir -p "$dir"
tar -xzf "$tmp" -C "$dir" --strip-components=1 --no-same-owner
rm -f "$tmp"
