# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the suites whose peers gather on every interface (browser,
# interop): one network namespace of their own with loopback and a veth
# pair inside it (both ends, so the interface has carrier) holding
# $HOLLER_TEST_ADDRESS, and no route out (DESIGN.md §5). The caller defines
# skip() and sets ns, HOLLER_TEST_ADDRESS and the veth names.

# Kills whatever runs in $ns (TERM; KILL for what is still there after
# up to 3 s) and deletes it.
netns_cleanup () {
  local pids i
  pids=$(ip netns pids "$ns" 2> /dev/null)
  [ -n "$pids" ] && kill $pids 2> /dev/null
  for i in $(seq 30); do
    [ -z "$(ip netns pids "$ns" 2> /dev/null)" ] && break
    sleep 0.1
  done
  pids=$(ip netns pids "$ns" 2> /dev/null)
  [ -n "$pids" ] && kill -9 $pids 2> /dev/null
  ip netns delete "$ns" 2> /dev/null
}

# netns_up VETH PEER: creates $ns with $HOLLER_TEST_ADDRESS/24 on VETH
netns_up () {
  ip netns add "$ns" 2> /dev/null || skip "cannot create a network namespace (no CAP_NET_ADMIN?)"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add "$1" type veth peer name "$2"
  ip -n "$ns" address add "$HOLLER_TEST_ADDRESS/24" dev "$1"
  ip -n "$ns" link set "$2" up
  ip -n "$ns" link set "$1" up
}
