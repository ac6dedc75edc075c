#!/usr/bin/env bash
# pgconverge benchmark (issue 4). Run as root on a machine with PostgreSQL 15 server binaries:
#   reconciler/bench/bench.sh            # prints the figures and writes reconciler/bench/results.md
# Environment: PGBIN (default /usr/lib/postgresql/15/bin), JAR (default reconciler/target/pgconverge-*.jar,
# built with mvn if missing), TEST_CLASSES (default reconciler/target/test-classes, for DaemonBench), RUNS (no-change runs in the warm daemon, default 200),
# RSS_SECONDS (how long the daemon runs at every: 1s for the memory figure, default 60),
# CLUSTER (default 1: also run cluster-bench.sh — three daemons in network namespaces: cold start and
# switchover, issues 4 and 6 — and put its section into results.md; 0 skips it; ROUNDS and SWITCHES pass through).
# Every server it starts lives in a throwaway directory under /tmp and is stopped and deleted at exit.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
RUNS="${RUNS:-200}"
RSS_SECONDS="${RSS_SECONDS:-60}"
RESULTS="$HERE/results.md"
JAVA="${JAVA:-$(command -v java)}"
# the launcher's JVM flags (resources/pgconverge)
JVM_FLAGS=(-XX:+UseSerialGC -Xss512k -XX:TieredStopAtLevel=1 -Xshare:auto)
# flags proposed for the daemon's JAVA_OPTS: a capped heap and code cache keep its resident memory small
SMALL_FLAGS=(-Xms8m -Xmx48m -XX:ReservedCodeCacheSize=16m -XX:MaxMetaspaceSize=64m -XX:CICompilerCount=1 -XX:-UsePerfData)

if [ "$(id -u)" != 0 ]; then echo "bench.sh: run as root (servers run as postgres through runuser)" >&2; exit 1; fi
if [ -z "${JAR:-}" ]; then
  JAR="$(ls "$REPO"/reconciler/target/pgconverge-*.jar 2>/dev/null | head -1 || true)"
  if [ -z "$JAR" ]; then (cd "$REPO" && mvn -q -B -DskipTests package); JAR="$(ls "$REPO"/reconciler/target/pgconverge-*.jar | head -1)"; fi
fi
# the warm-daemon benchmark (io.pgconverge.cli.DaemonBench) is test code: -DskipTests still compiles it
TEST_CLASSES="${TEST_CLASSES:-$REPO/reconciler/target/test-classes}"
if [ ! -f "$TEST_CLASSES/io/pgconverge/cli/DaemonBench.class" ]; then (cd "$REPO" && mvn -q -B -DskipTests -pl reconciler test-compile); fi

HOSTS=()
DAEMON_PID=""
CLUSTER_SECTION=""
cleanup() {
  if [ -n "$CLUSTER_SECTION" ]; then rm -f "$CLUSTER_SECTION"; fi
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
  fi
  for h in "${HOSTS[@]}"; do
    [ -f "$h/data/postmaster.pid" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$h/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$h"
  done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }

# new_host N_SETTINGS N_HBA N_ROLES WORK_MEM SCHEDULE -> prints the host directory
new_host() {
  local n_set=$1 n_hba=$2 n_roles=$3 work_mem=$4 schedule=$5
  local h; h="$(mktemp -d /tmp/pgc-bench-XXXXXX)"; chmod 755 "$h"; chown postgres:postgres "$h"
  local port; port="$(free_port)"
  echo "$port" > "$h/port"
  write_desired "$h" "$n_set" "$n_hba" "$n_roles" "$work_mem" "$schedule" "$h/desired-state.yaml"
  echo "$h"
}

# write_desired HOST N_SETTINGS N_HBA N_ROLES WORK_MEM SCHEDULE FILE
write_desired() {
  local h=$1 n_set=$2 n_hba=$3 n_roles=$4 work_mem=$5 schedule=$6 f=$7 i
  {
    echo "version: 1"
    echo "cluster: bench"
    echo "self: node1"
    echo "peers:"
    echo "  - {name: node1, host: 127.0.0.1, port: $(cat "$h/port"), role: primary}"
    echo "postgres:"
    echo "  bin: $PGBIN"
    echo "  data: $h/data"
    echo "  socket_directory: $h"
    echo "  user: postgres"
    echo "  settings:"
    echo "    listen_addresses: '127.0.0.1'"
    echo "    work_mem: '$work_mem'"
    for i in $(seq 1 $((n_set - 2))); do echo "    pgconverge_bench.s$i: 'x$i'"; done
    echo "  hba:"
    echo "    - local all postgres peer"
    for i in $(seq 1 $((n_hba - 1))); do echo "    - host all all 10.$((i / 250)).$((i % 250)).1/32 scram-sha-256"; done
    if [ "$n_roles" -gt 0 ]; then
      echo "roles:"
      for i in $(seq 1 "$n_roles"); do echo "  - {name: bench_role_$i, login: false}"; done
    fi
    echo "schedule: $schedule"
  } > "$f"
  chmod 644 "$f"
}

pgc() { runuser -u postgres -- "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" "$@"; }
# bench_runs FILE N [JVM flags...]: N no-change runs in one warm JVM (DaemonBench, test scope: not in the jar)
bench_runs() {
  local f=$1 n=$2; shift 2
  runuser -u postgres -- "$JAVA" "${JVM_FLAGS[@]}" "$@" -cp "$JAR:$TEST_CLASSES" io.pgconverge.cli.DaemonBench --config "$f" --runs "$n"
}
psql_q() { runuser -u postgres -- "$PGBIN/psql" -X -A -t -w -h "$1" -p "$(cat "$1/port")" -d postgres -c "$2" 2>/dev/null; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }
p95() { sort -n | awk '{a[NR]=$1} END {i=int(0.95*NR+0.999); if (i<1) i=1; print a[i]}'; }

# time_command LABEL RUNS CMD... -> "median_ms p95_ms"
time_command() {
  local label=$1 n=$2; shift 2
  if command -v hyperfine >/dev/null 2>&1; then
    local out; out="$(mktemp)"
    hyperfine -N -w 3 -r "$n" -i --export-json "$out" "$*" >/dev/null 2>&1
    python3 - "$out" <<'PY'
import json,sys,statistics
t=sorted(json.load(open(sys.argv[1]))["results"][0]["times"])
print(int(statistics.median(t)*1000), int(t[max(0,int(0.95*len(t)+0.999)-1)]*1000))
PY
    rm -f "$out"
  else
    local i t0 samples=()
    for i in 1 2 3; do "$@" >/dev/null 2>&1 || true; done
    for i in $(seq 1 "$n"); do t0=$(now_ns); "$@" >/dev/null 2>&1 || true; samples+=("$(ms_since "$t0")"); done
    echo "$(printf '%s\n' "${samples[@]}" | median) $(printf '%s\n' "${samples[@]}" | p95)"
  fi
}

echo "== machine"
MACHINE="nproc $(nproc), $(free -m | awk '/Mem:/ {print $2}') MiB RAM, $(uname -sr), $("$JAVA" -version 2>&1 | head -2 | tail -1), PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}')"
echo "$MACHINE"
TIMER="$(command -v hyperfine >/dev/null 2>&1 && echo "hyperfine $(hyperfine --version | awk '{print $2}')" || echo "a bash loop with date +%s%N")"

echo "== (a) no-change run inside the warm daemon ($RUNS runs)"
H="$(new_host 10 4 2 4MB '{every: 1h}')"; HOSTS+=("$H")
pgc apply --config "$H/desired-state.yaml" >/dev/null 2>&1 || true
A_OUT="$(bench_runs "$H/desired-state.yaml" "$RUNS" 2>/dev/null)"
echo "$A_OUT"

echo "== (b) whole-process check and apply on a converged host ($TIMER, as postgres)"
B_CHECK="$(time_command check 20 runuser -u postgres -- "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" check --config "$H/desired-state.yaml")"
B_APPLY="$(time_command apply 20 runuser -u postgres -- "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" apply --config "$H/desired-state.yaml" --status-file "$H/run/status.json" --metrics-file "$H/run/metrics.prom")"
B_ROOT="$(time_command check-as-root 10 "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" check --config "$H/desired-state.yaml")"
B_JVM="$(time_command jvm 10 "$JAVA" "${JVM_FLAGS[@]}" -version)"
echo "check: median/p95 ms $B_CHECK; apply: $B_APPLY; check started as root (re-exec): $B_ROOT; bare JVM -version: $B_JVM"

echo "== (c) pushed desired-state file -> change live in the server"
runuser -u postgres -- "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" daemon --config "$H/desired-state.yaml" \
  --status-file "$H/run/status.json" --metrics-file "$H/run/metrics.prom" > "$H/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 100); do [ -f "$H/run/status.json" ] && break; sleep 0.1; done
C_SAMPLES=()
for i in 1 2 3 4 5 6; do
  if [ $((i % 2)) = 1 ]; then wm=8MB; else wm=4MB; fi
  write_desired "$H" 10 4 2 "$wm" '{every: 1h}' "$H/.desired-state.yaml.new"
  t0=$(now_ns)
  mv "$H/.desired-state.yaml.new" "$H/desired-state.yaml"
  until [ "$(psql_q "$H" 'show work_mem')" = "$wm" ]; do
    [ "$(ms_since "$t0")" -gt 10000 ] && { echo "timed out waiting for work_mem=$wm" >&2; break; }
    sleep 0.01
  done
  C_SAMPLES+=("$(ms_since "$t0")")
  sleep 0.5
done
C_MEDIAN="$(printf '%s\n' "${C_SAMPLES[@]}" | median)"
echo "push -> live (ms): ${C_SAMPLES[*]}; median $C_MEDIAN (includes the 300 ms debounce)"

echo "== (d) resident memory of the daemon at every: 1s for ${RSS_SECONDS}s, launcher flags, then with SMALL_FLAGS"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""
write_desired "$H" 10 4 2 4MB '{every: 1s, jitter: 0s}' "$H/desired-state.yaml"
D_ROWS=()
for variant in launcher small; do
  extra=()
  [ "$variant" = small ] && extra=("${SMALL_FLAGS[@]}")
  : > "$H/daemon.log"
  runuser -u postgres -- "$JAVA" "${JVM_FLAGS[@]}" ${extra[@]+"${extra[@]}"} -jar "$JAR" daemon --config "$H/desired-state.yaml" \
    --status-file "$H/run/status.json" --metrics-file "$H/run/metrics.prom" > "$H/daemon.log" 2>&1 &
  DAEMON_PID=$!
  sleep 1
  JPID="$(pgrep -P "$DAEMON_PID" java || echo "$DAEMON_PID")"
  samples=()
  for s in $(seq 0 10 "$RSS_SECONDS"); do
    [ "$s" -gt 0 ] && sleep 10
    samples+=("${s}s:$(( $(ps -o rss= -p "$JPID") / 1024 ))")
  done
  runs="$(grep -c 'result=' "$H/daemon.log" || true)"
  threads="$(ls /proc/"$JPID"/task | wc -l)"
  cpu="$(ps -o times= -p "$JPID" | tr -d ' ')"
  kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""
  echo "$variant: rss MiB ${samples[*]}; runs: $runs; threads: $threads; cpu s: $cpu"
  D_ROWS+=("| daemon RSS (MiB) at every: 1s for ${RSS_SECONDS} s, $variant flags ($runs runs, $threads threads, ${cpu} s CPU) | ≤ 64 MiB, flat | ${samples[*]} |")
done
D_LONG="$(bench_runs "$H/desired-state.yaml" 2000 2>/dev/null)"
D_LONG_SMALL="$(bench_runs "$H/desired-state.yaml" 2000 "${SMALL_FLAGS[@]}" 2>/dev/null)"
echo "2000 runs in one JVM: $D_LONG"
echo "2000 runs in one JVM, small flags: $D_LONG_SMALL"

echo "== (e) no-change run vs desired-state size (settings, hba lines, roles)"
E_ROWS=()
for n in 10 100 1000; do
  HE="$(new_host "$n" "$n" "$n" 4MB '{every: 1h}')"; HOSTS+=("$HE")
  pgc apply --config "$HE/desired-state.yaml" >/dev/null 2>&1 || true
  r="$(bench_runs "$HE/desired-state.yaml" 100 2>/dev/null)"
  echo "size $n: $r"
  E_ROWS+=("| $n | $(sed 's/.*median_ms=\([0-9.]*\).*/\1/' <<<"$r") | $(sed 's/.*p95_ms=\([0-9.]*\).*/\1/' <<<"$r") | $(sed 's/.*last_result=\([a-z-]*\).*/\1/' <<<"$r") |")
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$HE/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$HE"
done

if [ "${CLUSTER:-1}" = 1 ]; then
  echo "== (f) three daemons: cold start and switchover (cluster-bench.sh)"
  CLUSTER_SECTION="$(mktemp)"
  JAR="$JAR" PGBIN="$PGBIN" SECTION="$CLUSTER_SECTION" "$HERE/cluster-bench.sh" || echo "cluster-bench.sh failed" >&2
fi

field() { sed "s/.*$1=\([0-9.]*\).*/\1/" <<<"$2"; }
cat > "$RESULTS" <<EOF
# pgconverge benchmark results

Measured by \`reconciler/bench/bench.sh\` on $(date -u +%Y-%m-%d) — $MACHINE.
JVM flags as in the launcher: \`${JVM_FLAGS[*]}\`; "small flags" add \`${SMALL_FLAGS[*]}\`
(proposed as the daemon's JAVA_OPTS). Whole-process times by $TIMER.

| what | target | measured |
|---|---|---|
| no-change run in the warm daemon, median / p95 ($RUNS runs) | ≤ 10 ms | $(field median_ms "$A_OUT") ms / $(field p95_ms "$A_OUT") ms |
| \`pgconverge check\`, whole process, converged host, as postgres (median / p95) | ≤ 250 ms | ${B_CHECK% *} ms / ${B_CHECK#* } ms |
| \`pgconverge apply\`, whole process, converged host, as postgres (median / p95) | ≤ 250 ms | ${B_APPLY% *} ms / ${B_APPLY#* } ms |
| \`pgconverge check\` started as root (runs a second JVM as postgres) | — | ${B_ROOT% *} ms / ${B_ROOT#* } ms |
| bare \`java -version\` with the same flags | — | ${B_JVM% *} ms |
| pushed file (rename) → new work_mem live, median of ${#C_SAMPLES[@]} (incl. 300 ms debounce) | ≤ 1 s | $C_MEDIAN ms (all: ${C_SAMPLES[*]}) |
$(printf '%s\n' "${D_ROWS[@]}")
| 2000 no-change runs in one JVM (≈ 1 week at every: 5m), launcher flags | flat | $(sed 's/.*\(rss_kb=.*\)/\1/' <<<"$D_LONG"); median $(field median_ms "$D_LONG") ms |
| the same with the small flags | flat | $(sed 's/.*\(rss_kb=.*\)/\1/' <<<"$D_LONG_SMALL"); median $(field median_ms "$D_LONG_SMALL") ms |

No-change run vs desired-state size (n settings — custom \`pgconverge_bench.sN\` plus two real ones —,
n hba lines and n roles at once, on a throwaway host deleted afterwards; 100 runs each):

| n | median ms | p95 ms | result |
|---|---|---|---|
$(printf '%s\n' "${E_ROWS[@]}")

## Three daemons: cold start and switchover

$( [ -s "$CLUSTER_SECTION" ] && cat "$CLUSTER_SECTION" || echo "Not measured in this run (CLUSTER=0, or cluster-bench.sh failed)." )
EOF
if [ -n "$CLUSTER_SECTION" ]; then rm -f "$CLUSTER_SECTION"; fi
echo "== written $RESULTS"
cat "$RESULTS"
