# Shared by the benchmark scripts (sourced by cluster-bench.sh and compare.sh): three hosts as network
# namespaces joined by a bridge (the recipe of shared/docs/testing.md), and the three-node desired state.
# Every namespace made is appended to the caller's NAMESPACES array; only the caller's processes ever
# run in them.

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

# bench_desired ROOT SELF PRIMARY FILE [SETTINGS] [YAML]: node SELF's desired state with node PRIMARY as the
# primary, hosts at $(addr_of i), port 5432, data and socket under ROOT/nodeSELF; SETTINGS: more
# postgresql.conf lines ("name: value", one a line), YAML: more top-level sections. Written beside FILE,
# then renamed over it (a daemon sees one complete file).
bench_desired() {
  local root=$1 self=$2 primary=$3 f=$4 settings=${5:-} extra=${6:-} i role
  {
    echo "version: 1"
    echo "cluster: benchcluster"
    echo "self: node$self"
    echo "peers:"
    for i in 1 2 3; do
      role=replica; [ "$i" = "$primary" ] && role=primary
      echo "  - {name: node$i, host: '$(addr_of "$i")', port: 5432, role: $role}"
    done
    echo "postgres:"
    echo "  bin: '$PGBIN'"
    echo "  data: '$root/node$self/data'"
    echo "  socket_directory: '$root/node$self'"
    echo "  user: postgres"
    echo "  settings:"
    echo "    listen_addresses: '*'"
    echo "    wal_level: replica"
    echo "    wal_log_hints: 'on'"
    echo "    max_wal_senders: 10"
    echo "    wal_keep_size: 152MB"
    echo "    hot_standby: 'on'"
    if [ -n "$settings" ]; then sed 's/^ */    /' <<<"$settings"; fi
    echo "  hba:"
    echo "    - local all postgres peer"
    echo "    - local all all peer"
    echo "    - host replication replicator peers scram-sha-256"
    echo "roles:"
    echo "  - {name: replicator, login: true, replication: true, password_file: '$root/replicator.password'}"
    echo "replication: {user: replicator, password_file: '$root/replicator.password', slots: true}"
    echo "policy: {restart: never}"
    echo "schedule: {every: 30s}"
    if [ -n "$extra" ]; then printf '%s\n' "$extra"; fi
  } > "$f.tmp"
  chmod 644 "$f.tmp"; chown postgres:postgres "$f.tmp"; mv -f "$f.tmp" "$f"
}
