#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Browser interop tests (meson suite "browser"): Debian's chromium (driven
# by playwright-core) and firefox-esr (puppeteer-core over WebDriver BiDi),
# headless, call holler and are called by it through `holler serve`, which
# also serves the web client.
#
# Everything runs in a fresh network namespace with one veth interface
# (10.77.N.1/24, no default route): Chromium gathers no ICE candidates on
# loopback alone, and nothing may reach the machine's own network
# (DESIGN.md §5). Whatever was started in it is killed, and the namespace
# deleted, on exit. Exit 77 (skipped) without root or node, or without
# either browser; a browser that is missing (or its driver: `npm ci` in
# tests/browser) is skipped alone, with the reason in the TAP output.
set -u

here=$(cd "$(dirname "$0")" && pwd)
skip () { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root for a network namespace"
command -v node > /dev/null || skip "no node (apt-get install nodejs npm)"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
FIREFOX=${FIREFOX:-/usr/bin/firefox-esr}
if [ ! -x "$CHROMIUM" ]; then
  export HOLLER_SKIP_CHROMIUM="no $CHROMIUM (apt-get install chromium)"
elif [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  export HOLLER_SKIP_CHROMIUM="no playwright-core: run 'npm ci' in $here"
fi
if [ ! -x "$FIREFOX" ]; then
  export HOLLER_SKIP_FIREFOX="no $FIREFOX (apt-get install firefox-esr)"
elif [ ! -f "$here/node_modules/puppeteer-core/package.json" ]; then
  export HOLLER_SKIP_FIREFOX="no puppeteer-core: run 'npm ci' in $here"
fi
[ -n "${HOLLER_SKIP_CHROMIUM:-}" ] && [ -n "${HOLLER_SKIP_FIREFOX:-}" ] \
  && skip "$HOLLER_SKIP_CHROMIUM; $HOLLER_SKIP_FIREFOX"
command -v gst-launch-1.0 > /dev/null || skip "no gst-launch-1.0 (apt-get install gstreamer1.0-tools)"
command -v ip > /dev/null || skip "no ip (apt-get install iproute2)"
: "${HOLLER_BIN:?HOLLER_BIN must name the holler binary}"
: "${HOLLER_WAV_TONE:?HOLLER_WAV_TONE must name the holler-wav-tone helper}"
export CHROMIUM FIREFOX
export HOLLER_BROWSER_ARTIFACTS=${HOLLER_BROWSER_ARTIFACTS:-$PWD/browser-artifacts}

ns=holler-browser-$$
# the browsers' profiles, Firefox's HOME, the fake microphone's file
export HOLLER_BROWSER_WORK=""

net=$(( $$ % 200 + 20 ))
export HOLLER_TEST_ADDRESS=10.77.$net.1

. "$here/../test-netns.sh"

cleanup () {
  netns_cleanup
  [ -n "$HOLLER_BROWSER_WORK" ] && rm -rf "$HOLLER_BROWSER_WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

netns_up hb0 hb1

HOLLER_BROWSER_WORK=$(mktemp -d "${TMPDIR:-/tmp}/holler-browser-XXXXXX")
rm -rf "$HOLLER_BROWSER_ARTIFACTS"
mkdir -p "$HOLLER_BROWSER_ARTIFACTS"
# in the background, so a TERM (meson's timeout) runs the trap at once
ip netns exec "$ns" node "$here/browser-test.mjs" &
wait $!
