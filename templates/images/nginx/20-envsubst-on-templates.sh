#!/bin/sh
# Renders /etc/nginx/templates/*.template with the container's environment
# into /etc/nginx/conf.d/ (the file name without .template). Only variables
# that are set are replaced, so nginx's own $variables survive. The folders
# and suffix can be changed with NGINX_ENVSUBST_TEMPLATE_DIR,
# NGINX_ENVSUBST_OUTPUT_DIR and NGINX_ENVSUBST_TEMPLATE_SUFFIX.
set -e

tdir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
odir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
[ -d "$tdir" ] || exit 0
if [ ! -w "$odir" ]; then
    echo "$0: $odir is not writable, templates not rendered" >&2
    exit 0
fi
vars=$(env | cut -d= -f1 | sed -e 's/^/$/' | tr '\n' ' ')
for t in $(find "$tdir" -follow -type f -name "*$suffix" | sort); do
    rel="${t#$tdir/}"
    out="$odir/${rel%$suffix}"
    mkdir -p "$(dirname "$out")"
    echo "$0: rendering $t to $out"
    envsubst "$vars" < "$t" > "$out"
done
