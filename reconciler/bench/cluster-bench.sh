#!/usr/bin/env bash
# pgconverge cluster benchmark (issues 4 and 6). Run as root on a machine with PostgreSQL server
# binaries and iproute2:
#   reconciler/bench/cluster-bench.sh     # prints the figures; bench.sh calls it and puts them in results.md
#
# (1) cold start: three daemons started at the same moment on three empty hosts, until the primary
#     shows both replicas streaming; ROUNDS rounds, fresh hosts (namespaces and directories) each round.
# (2) switchover: with the three daemons of the last cold-start round running and converged, the
#     swapped desired-state file is pushed to all three at once (temp file, then mv over each node's
#     file), until the NEW primary shows both replicas streaming; SWITCHES rounds, alternating
#     node1 -> node2 -> node1 ...
#
# "Streaming" (shared/docs/testing.md): the primary's pg_stat_replication has a row per replica with
# state = 'streaming' and replay_lsn set, AND each replica's pg_stat_wal_receiver.status = 'streaming'.
# Checked as postgres over the Unix sockets with psql: the primary every pass (20 ms sleep + one psql,
# so a pass every ~40 ms on an idle machine, more under load: the script prints the average), the
# replicas' receivers when the primary shows both rows; a round's time is taken at the END of the
# first pass that sees all of it (so it errs long by up to one pass).
#
# Hosts: one network namespace per node (pgcb-<id>-h1..3, addresses 10.233.<k>.1..3/24, all on port
# 5432, joined by a bridge in a namespace of its own), the testing.md recipe. Nothing is ever
# connected to from the root namespace: the daemons run inside their namespace (ip netns exec), the
# benchmark's own psql uses the Unix sockets. Each daemon is started as root (it re-execs itself as
# postgres, so each start is two JVM starts), with schedule {every: 30s}.
#
# Environment: PGBIN (default /usr/lib/postgresql/15/bin), JAR (default reconciler/target/pgconverge-*.jar,
# built with mvn if missing), ROUNDS (default 5), SWITCHES (default 5), ROUND_TIMEOUT (seconds, default 60),
# OUT (a file: the figures as KEY=VALUE lines), SECTION (a file: the figures as a markdown section, which
# bench.sh puts into results.md), EXTRA_SETTINGS (postgresql.conf settings added to every node's desired
# state, ';'-separated, e.g. 'wal_retrieve_retry_interval: 500ms'), VERBOSE=1 (print every daemon log line
# of every round), LOGS_DIR (when set, every round's daemon and server logs are copied there; otherwise
# they are deleted with the hosts).
# Everything (namespaces, servers, daemons, /tmp/pgcb-* directories) is removed at exit, also on failure.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
ROUNDS="${ROUNDS:-5}"
SWITCHES="${SWITCHES:-5}"
ROUND_TIMEOUT="${ROUND_TIMEOUT:-60}"
OUT="${OUT:-}"
SECTION="${SECTION:-}"
EXTRA_SETTINGS="${EXTRA_SETTINGS:-}"
LOGS_DIR="${LOGS_DIR:-}"
JAVA="${JAVA:-$(command -v java)}"
# the launcher's flags (resources/pgconverge)
JVM_FLAGS=(-XX:+UseSerialGC -Xms8m -Xmx48m -XX:ReservedCodeCacheSize=16m -XX:MaxMetaspaceSize=64m
  -XX:CICompilerCount=1 -XX:-UsePerfData -Xss512k -XX:TieredStopAtLevel=1 -Xshare:auto)
# AS_USER=postgres (default): the daemons start as postgres, as the systemd unit starts them (one JVM);
# AS_USER=root: they start as root and re-exec themselves as postgres (two JVM starts each).
AS_USER="${AS_USER:-postgres}"
# CDS=1 (default): a class-data archive made once with `pgconverge cds-train`, as the packages make
# /var/cache/pgconverge/pgconverge.jsa at install; CDS=0: none.
CDS="${CDS:-1}"

if [ "$(id -u)" != 0 ]; then echo "cluster-bench.sh: run as root (network namespaces; servers run as postgres)" >&2; exit 1; fi
command -v ip >/dev/null || { echo "cluster-bench.sh: needs iproute2 (ip)" >&2; exit 1; }
if [ -z "${JAR:-}" ]; then
  JAR="$(ls "$REPO"/reconciler/target/pgconverge-*.jar 2>/dev/null | head -1 || true)"
  if [ -z "$JAR" ]; then (cd "$REPO" && mvn -q -B -DskipTests package -pl reconciler); JAR="$(ls "$REPO"/reconciler/target/pgconverge-*.jar | head -1)"; fi
fi

if [ "$CDS" = 1 ]; then
  CDS_FILE="$(mktemp /tmp/pgcb-cds-XXXXXX.jsa)"; rm -f "$CDS_FILE"
  "$JAVA" "${JVM_FLAGS[@]}" -XX:ArchiveClassesAtExit="$CDS_FILE" -jar "$JAR" cds-train >/dev/null 2>&1 || true
  if [ -s "$CDS_FILE" ]; then chmod 644 "$CDS_FILE"; JVM_FLAGS+=(-XX:SharedArchiveFile="$CDS_FILE"); else CDS=0; fi
fi

RUN_ID="$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
NAMESPACES=()      # every namespace made by this run (bridge first)
DAEMON_PIDS=()     # root JVMs (each the leader of its own process group, via setsid)
ROOT=""            # the current round's host directory
ROUND_NO=0

log() { echo "$*" >&2; }

# ------------------------------------------------------------------ cleanup
stop_daemons() {
  local pid
  for pid in ${DAEMON_PIDS[@]+"${DAEMON_PIDS[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${DAEMON_PIDS[@]+"${DAEMON_PIDS[@]}"}; do
    for _ in $(seq 1 350); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done   # the daemon exits within 30 s
    kill -KILL -- "-$pid" 2>/dev/null || true                                         # its process group, if anything is left
  done
  DAEMON_PIDS=()
}

stop_servers() {
  local d
  [ -n "$ROOT" ] || return 0
  for d in "$ROOT"/node*/data; do
    [ -f "$d/postmaster.pid" ] || continue
    timeout 30 runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
  done
}

# shellcheck source=bench-lib.sh
. "$HERE/bench-lib.sh"
# kills what still lives in this run's namespaces (only this run's processes can be there), deletes them
lab_down() { netns_sweep 3; netns_delete; }

round_down() {
  stop_daemons
  stop_servers
  lab_down
  if [ -n "$ROOT" ]; then
    if [ -n "$LOGS_DIR" ]; then
      mkdir -p "$LOGS_DIR/round$ROUND_NO"
      for i in 1 2 3; do
        cp -f "$ROOT/node$i/daemon.log" "$LOGS_DIR/round$ROUND_NO/node$i.log" 2>/dev/null || true
        for f in "$ROOT/node$i"/data/log/*; do [ -f "$f" ] && cp -f "$f" "$LOGS_DIR/round$ROUND_NO/node$i-server-$(basename "$f")"; done
      done
    fi
    rm -rf "$ROOT"
    ROOT=""
  fi
}
trap 'round_down; [ -n "${CDS_FILE:-}" ] && rm -f "$CDS_FILE"' EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ hosts
SUBNET=""
ns_of() { echo "pgcb-$RUN_ID-r$ROUND_NO-h$1"; }
addr_of() { echo "10.233.$SUBNET.$1"; }

lab_up() {
  SUBNET=$(( 1 + RANDOM % 254 ))
  netns_lab_up "pgcb-$RUN_ID-r$ROUND_NO-br" "10.233.$SUBNET" "$(ns_of 1)" "$(ns_of 2)" "$(ns_of 3)"
}

hosts_up() {
  local i
  ROOT="$(mktemp -d /tmp/pgcb-XXXXXX)"; chmod 755 "$ROOT"; chown postgres:postgres "$ROOT"
  od -An -N18 -tx1 /dev/urandom | tr -d ' \n' > "$ROOT/replicator.password"; echo >> "$ROOT/replicator.password"
  chmod 640 "$ROOT/replicator.password"; chown postgres:postgres "$ROOT/replicator.password"
  for i in 1 2 3; do
    mkdir -p "$ROOT/node$i/run" "$ROOT/poll"; chown postgres:postgres "$ROOT/poll"; chmod 755 "$ROOT/node$i" "$ROOT/node$i/run"; chown -R postgres:postgres "$ROOT/node$i"
  done
}

# write_desired NODE PRIMARY FILE: node NODE's desired state with node PRIMARY as the primary
write_desired() { bench_desired "$ROOT" "$1" "$2" "$3" "$(tr ';' '\n' <<<"$EXTRA_SETTINGS")"; }

start_daemon() {
  local i=$1 d="$ROOT/node$1"
  local as=()
  if [ "$AS_USER" = postgres ]; then as=(runuser -u postgres --); fi
  setsid ip netns exec "$(ns_of "$i")" "${as[@]}" "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" daemon --config "$d/desired-state.yaml" \
    --status-file "$d/run/status.json" --metrics-file "$d/run/metrics.prom" >> "$d/daemon.log" 2>&1 < /dev/null &
  DAEMON_PIDS+=("$!")
}

# ------------------------------------------------------------------ measuring
# The poll loop runs as postgres (one runuser for the whole wait, not one per psql).
# args: T0_US DEADLINE_S ROOT PRIMARY  -> prints the ms from T0 to the end of the first pass that saw
# both replicas streaming, or "timeout <last state>" (exit 1)
POLL="$(cat <<'EOF'
t0=$1; deadline=$2; root=$3; p=$4; psql=$5
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
q() { PGCONNECT_TIMEOUT=2 "$psql" -X -A -t -w -q -h "$root/node$1" -p 5432 -d postgres -c "$2" 2>/dev/null || echo "down"; }
inlist=""; for i in 1 2 3; do [ "$i" = "$p" ] || inlist="$inlist${inlist:+,}'node$i'"; done
declare -A row_at=()   # when each replica's row (streaming, replay_lsn set) was first seen on the primary
state=""; passes=0
while :; do
  passes=$((passes + 1))
  # the primary every pass (one psql: 15-30 ms on this machine under load, plus the 20 ms sleep);
  # the replicas' receivers (both at once) only in a pass where the primary shows both rows
  rows=$(q "$p" "select coalesce(string_agg(distinct application_name, ','), '') from pg_stat_replication where application_name in ($inlist) and state = 'streaming' and replay_lsn is not null")
  ms=$(( ($(now_us) - t0) / 1000 ))
  state="primary node$p streams to: [${rows}]"
  all=1
  for i in 1 2 3; do
    [ "$i" = "$p" ] && continue
    case ",$rows," in *",node$i,"*) [ -n "${row_at[$i]:-}" ] || row_at[$i]=$ms ;; *) all=0 ;; esac
  done
  if [ $all = 1 ]; then
    for i in 1 2 3; do [ "$i" = "$p" ] || q "$i" "select status from pg_stat_wal_receiver" > "$root/poll/r$i" & done
    wait
    ms=$(( ($(now_us) - t0) / 1000 ))
    for i in 1 2 3; do
      [ "$i" = "$p" ] && continue
      s=$(< "$root/poll/r$i")
      state="$state; node$i receiver: ${s:-none}"
      [ "$s" = streaming ] || all=0
    done
  fi
  if [ $all = 1 ]; then
    detail=""; for i in 1 2 3; do [ "$i" = "$p" ] || detail="$detail node$i@${row_at[$i]}"; done
    echo "$ms$detail (${passes} passes, one every $(( ms / passes )) ms on average)"; exit 0
  fi
  if [ $(( ($(now_us) - t0) / 1000000 )) -ge "$deadline" ]; then echo "timeout ($state)"; exit 1; fi
  sleep 0.02
done
EOF
)"
await_streaming() {   # T0_US PRIMARY
  runuser -u postgres -- bash -c "$POLL" poll "$1" "$ROUND_TIMEOUT" "$ROOT" "$2" "$PGBIN/psql"
}

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# all three daemons' last run succeeded (status file), bounded
await_converged() {
  local deadline=$(( $(now_us) + ROUND_TIMEOUT * 1000000 )) i ok
  while :; do
    ok=1
    for i in 1 2 3; do grep -q '"success" *: *true' "$ROOT/node$i/run/status.json" 2>/dev/null || ok=0; done
    [ $ok = 1 ] && return 0
    [ "$(now_us)" -ge $deadline ] && { log "daemons not converged within ${ROUND_TIMEOUT}s"; return 1; }
    sleep 0.1
  done
}

# summary KIND T0_US OLD NEW OFFSET1 OFFSET2 OFFSET3: what the daemons' logs (from byte OFFSETi on) say
# happened, in ms after T0; with VERBOSE=1 also every log line. KIND is cold or switch.
summary() {
  python3 - "$@" "$ROOT" "${VERBOSE:-0}" <<'PY2'
import sys, re, datetime
kind, t0, old, new = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
offs, root, verbose = [int(x) for x in sys.argv[5:8]], sys.argv[8], sys.argv[9] == "1"
ev = {1: [], 2: [], 3: []}
for i in (1, 2, 3):
    with open(f"{root}/node{i}/daemon.log", "rb") as f:
        f.seek(offs[i - 1])
        for line in f.read().decode("utf-8", "replace").splitlines():
            m = re.match(r"(\d{4}-\d\d-\d\dT[\d:.]+Z) \w+ (?:\[run \w+\] )?(.*)", line)
            if m:
                ts = datetime.datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()
                ev[i].append((int(ts * 1000 - t0 / 1000), m.group(2)))
    if verbose:
        for ms, msg in ev[i]:
            print(f"    {kind} {ms:>6} ms node{i}: {msg[:200]}", file=sys.stderr)
def first(i, pat):
    for ms, msg in ev[i]:
        if re.search(pat, msg):
            return ms
    return None
def retries(i):
    return [int(m.group(1)) for _, msg in ev[i] for m in [re.search(r"retrying in (\d+) ms", msg)] if m]
def fmt(x):
    return "-" if x is None else str(x)
others = [i for i in (1, 2, 3) if i != new and i != old]
parts = []
if kind == "cold":
    parts.append("daemons up (log) " + "/".join(fmt(first(i, r"^daemon started")) for i in (1, 2, 3)))
    parts.append(f"node{new} initdb run ended {fmt(first(new, r'applied: start the server'))}")
    for i in (1, 2, 3):
        if i != new:
            parts.append(f"node{i} retries {retries(i)} ms, cloning run ended {fmt(first(i, r'applied: start the server'))}")
else:
    parts.append(f"old primary node{old} stopped {fmt(first(old, r'applied: stop the server'))}")
    parts.append(f"node{new} promoted {fmt(first(new, r'applied: promote'))} (retries {retries(new)} ms)")
    parts.append(f"node{old} rewinding run ended {fmt(first(old, r'applied: start the server'))} (retries {retries(old)} ms)")
    for i in others:
        parts.append(f"node{i} repointed+reloaded {fmt(first(i, r'applied: reload'))}")
print("; ".join(parts))
PY2
}

logsize() { stat -c %s "$ROOT/node$1/daemon.log" 2>/dev/null || echo 0; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }

# ------------------------------------------------------------------ the rounds
MACHINE="daemons started as $AS_USER, class-data archive: $([ "$CDS" = 1 ] && echo yes || echo no); nproc $(nproc), $(free -m | awk '/Mem:/ {print $2}') MiB RAM, $(uname -sr), $("$JAVA" -version 2>&1 | head -2 | tail -1), PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}')"
LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg)"
log "== machine: $MACHINE; load average at start: $LOADAVG_START"

COLD=(); COLD_DETAIL=(); COLD_WHY=()
for r in $(seq 1 "$ROUNDS"); do
  [ "$r" -gt 1 ] && round_down
  ROUND_NO=$r
  lab_up
  hosts_up
  for i in 1 2 3; do write_desired "$i" 1 "$ROOT/node$i/desired-state.yaml"; done
  o1=0; o2=0; o3=0
  t0=$(now_us)
  for i in 1 2 3; do start_daemon "$i"; done
  if ms="$(await_streaming "$t0" 1)"; then
    log "cold start round $r: $ms (ms; when each replica's row was first seen on the primary)"
    COLD_DETAIL+=("$ms"); ms="${ms%% *}"; COLD+=("$ms")
  else
    COLD_DETAIL+=("$ms"); COLD+=("timeout"); log "cold start round $r: $ms"
  fi
  COLD_WHY+=("$(summary cold "$t0" 0 1 $o1 $o2 $o3)")
  log "  logs: ${COLD_WHY[-1]}"
done
COLD_OK=($(printf '%s\n' "${COLD[@]}" | grep -E '^[0-9]+$' || true))
COLD_MEDIAN="$( [ ${#COLD_OK[@]} -gt 0 ] && printf '%s\n' "${COLD_OK[@]}" | median || echo n/a)"
log "== cold start, three empty hosts -> both replicas streaming (ms): ${COLD[*]}; median $COLD_MEDIAN"

SWITCH=(); SWITCH_DETAIL=(); SWITCH_WHY=()
SWITCH_DIRS=()
primary=1
if [ "$SWITCHES" -gt 0 ]; then
  await_converged || true
  sleep 1
  for s in $(seq 1 "$SWITCHES"); do
    new=$(( primary == 1 ? 2 : 1 ))
    for i in 1 2 3; do write_desired "$i" "$new" "$ROOT/node$i/.desired-state.yaml.new"; done
    o1=$(logsize 1); o2=$(logsize 2); o3=$(logsize 3)
    t0=$(now_us)
    for i in 1 2 3; do mv -f "$ROOT/node$i/.desired-state.yaml.new" "$ROOT/node$i/desired-state.yaml"; done
    if ms="$(await_streaming "$t0" "$new")"; then
      log "switchover $s (node$primary -> node$new): $ms (ms; when each replica's row was first seen on the new primary)"
      SWITCH_DETAIL+=("$ms"); ms="${ms%% *}"; SWITCH+=("$ms")
    else
      SWITCH_DETAIL+=("$ms"); SWITCH+=("timeout"); log "switchover $s (node$primary -> node$new): $ms"
    fi
    SWITCH_DIRS+=("node$primary->node$new")
    SWITCH_WHY+=("$(summary switch "$t0" "$primary" "$new" "$o1" "$o2" "$o3")")
    log "  logs: ${SWITCH_WHY[-1]}"
    primary=$new
    await_converged || true
    sleep 1
  done
fi
SWITCH_OK=($(printf '%s\n' ${SWITCH[@]+"${SWITCH[@]}"} | grep -E '^[0-9]+$' || true))
SWITCH_MEDIAN="$( [ ${#SWITCH_OK[@]} -gt 0 ] && printf '%s\n' "${SWITCH_OK[@]}" | median || echo n/a)"
log "== switchover, swapped file pushed to all three -> new primary streams to both (ms): ${SWITCH[*]:-}; median $SWITCH_MEDIAN"
LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg)"
log "== load average at the end: $LOADAVG"

if [ -n "$OUT" ]; then
  {
    echo "MACHINE=$MACHINE"
    echo "LOADAVG_START=$LOADAVG_START"
    echo "LOADAVG=$LOADAVG"
    echo "COLD=${COLD[*]}"
    echo "COLD_MEDIAN=$COLD_MEDIAN"
    echo "SWITCH=${SWITCH[*]:-}"
    echo "SWITCH_DIRS=${SWITCH_DIRS[*]:-}"
    echo "SWITCH_MEDIAN=$SWITCH_MEDIAN"
  } > "$OUT"
fi
if [ -n "$SECTION" ]; then
  {
    echo "| what | target | measured (median) | every round (ms) | for comparison |"
    echo "|---|---|---|---|---|"
    echo "| three daemons started at once on three empty hosts → primary shows both replicas streaming (median of ${#COLD[@]}) | ≤ 2 s | $COLD_MEDIAN ms | ${COLD[*]} | by hand ~1.4 s, Patroni + etcd ~4 s (15 s when it misses a loop), pg_auto_failover ~9 s |"
    echo "| swapped file pushed to all three daemons → new primary shows both replicas streaming (median of ${#SWITCH[@]}, alternating) | ≤ 2 s | $SWITCH_MEDIAN ms | ${SWITCH[*]:-} | pg_auto_failover ~2.4 s, Patroni ~4.6 s |"
    echo
    echo "Measured by \`reconciler/bench/cluster-bench.sh\` on $(date -u +%Y-%m-%d) — $MACHINE; load average"
    echo "$LOADAVG_START at the start, $LOADAVG at the end (1, 5, 15 min).${EXTRA_SETTINGS:+ Extra settings on every node: \`$EXTRA_SETTINGS\`.}"
    echo "Each node in its own network namespace (10.233.k.1-3, port 5432), daemons started as $AS_USER"
    echo "$([ "$AS_USER" = root ] && echo '(re-exec as postgres)' || echo '(as the systemd unit starts them)'), \`schedule: {every: 30s}\`. Streaming = the primary's \`pg_stat_replication\` row per"
    echo "replica with \`replay_lsn\` set and each replica's \`pg_stat_wal_receiver.status = 'streaming'\`, polled over the"
    echo "Unix sockets (time taken at the end of the first pass that saw it)."
    echo
    echo "What the daemons' logs say, per round (ms after the start / the push; \`row@\` = when that replica's"
    echo "row was first seen on the primary; retries = the daemon's \`retrying in\` delays):"
    echo
    for r in "${!COLD[@]}"; do echo "- cold $((r + 1)): ${COLD_DETAIL[$r]}; ${COLD_WHY[$r]}"; done
    for r in "${!SWITCH[@]}"; do echo "- switchover $((r + 1)) (${SWITCH_DIRS[$r]}): ${SWITCH_DETAIL[$r]}; ${SWITCH_WHY[$r]}"; done
  } > "$SECTION"
fi
echo "cold start median ${COLD_MEDIAN} ms (${COLD[*]}); switchover median ${SWITCH_MEDIAN} ms (${SWITCH[*]:-})"
