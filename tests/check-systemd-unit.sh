#!/bin/sh
# systemd-analyze verify of the user unit, with ExecStart pointed at the
# built binary (verify checks that the command exists) and a private
# runtime dir (no user manager is needed).
set -eu
unit=$1 holler=$2 bindir=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 700 "$tmp"
sed "s|$bindir/holler|$holler|" "$unit" > "$tmp/holler.service"
XDG_RUNTIME_DIR=$tmp systemd-analyze verify --user --man=no "$tmp/holler.service"
