# Three hosts as network namespaces joined by a bridge (the recipe of shared/docs/testing.md), for the
# benchmark scripts (sourced by cluster-bench.sh and compare.sh). Every namespace made is appended to
# the caller's NAMESPACES array; only the caller's processes ever run in them.

# netns_lab_up BRIDGE_NS PREFIX NS...: a bridge in BRIDGE_NS, and host i of NS... at PREFIX.i/24 on its eth0
netns_lab_up() {
  local br=$1 prefix=$2 i=0 ns
  shift 2
  ip netns add "$br"; NAMESPACES+=("$br")
  ip -n "$br" link set lo up
  ip -n "$br" link add br0 type bridge
  ip -n "$br" link set br0 up
  for ns in "$@"; do
    i=$((i + 1))
    ip netns add "$ns"; NAMESPACES+=("$ns")
    ip -n "$ns" link set lo up
    ip -n "$br" link add "v$i" type veth peer name eth0 netns "$ns"
    ip -n "$br" link set "v$i" master br0
    ip -n "$br" link set "v$i" up
    ip -n "$ns" addr add "$prefix.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
}

# netns_sweep SECONDS: what still runs in NAMESPACES gets SIGTERM, and SIGKILL after SECONDS (bounded)
netns_sweep() {
  local secs=${1:-3} ns pids n
  for ns in ${NAMESPACES[@]+"${NAMESPACES[@]}"}; do
    pids="$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ' || true)"
    [ -n "${pids// }" ] || continue
    kill -TERM $pids 2>/dev/null || true
    for n in $(seq 1 $((secs * 10))); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
    pids="$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ' || true)"
    if [ -n "${pids// }" ]; then kill -KILL $pids 2>/dev/null || true; fi
  done
}

# netns_delete: every namespace of NAMESPACES deleted, the array emptied
netns_delete() {
  local ns
  for ns in ${NAMESPACES[@]+"${NAMESPACES[@]}"}; do ip netns del "$ns" 2>/dev/null || true; done
  NAMESPACES=()
}
