#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Interop with werift (meson suite "interop"): holler calls a werift peer and
# is called by one, over holler's stdio signaling, tones measured both ways
# on decoded audio (werift-test.mjs).
#
# Everything runs in a fresh network namespace with one veth interface
# (10.78.N.1/24, no default route): werift gathers nothing on loopback or
# on veth-named interfaces unless told the address, and nothing may reach
# the machine's own network (DESIGN.md §5). Whatever was started in it is
# killed, and the namespace deleted, on exit. Exit 77 (skipped) without
# root, node or the npm packages (`npm ci` in tests/werift).
set -u

here=$(cd "$(dirname "$0")" && pwd)
# TAP: a plan of 0 with SKIP is how meson's TAP reader takes a skipped test
skip () { echo "1..0 # SKIP $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root for a network namespace"
command -v node > /dev/null || skip "no node (apt-get install nodejs npm)"
[ -f "$here/node_modules/werift/package.json" ] && [ -f "$here/node_modules/opusscript/package.json" ] \
  || skip "no werift/opusscript: run 'npm ci' in $here"
command -v ip > /dev/null || skip "no ip (apt-get install iproute2)"
: "${HOLLER_BIN:?HOLLER_BIN must name the holler binary}"
export HOLLER_WERIFT_ARTIFACTS=${HOLLER_WERIFT_ARTIFACTS:-$PWD/werift-artifacts}

ns=holler-werift-$$
net=$(( $$ % 200 + 20 ))
export HOLLER_TEST_ADDRESS=10.78.$net.1

. "$here/../test-netns.sh"
trap netns_cleanup EXIT
trap 'exit 1' INT TERM

netns_up hw0 hw1

rm -rf "$HOLLER_WERIFT_ARTIFACTS"
mkdir -p "$HOLLER_WERIFT_ARTIFACTS"
# in the background, so a TERM (meson's timeout) runs the trap at once
ip netns exec "$ns" node "$here/werift-test.mjs" &
wait $!
