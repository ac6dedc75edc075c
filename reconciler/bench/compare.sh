#!/usr/bin/env bash
# pgconverge beside its peers, in one run on one machine (issue 14, point 1 and the timeline of point 3).
#
#   reconciler/bench/compare.sh [--rounds N] [--only LIST] [--no-install] [--no-failover] [--out FILE]
#
# As root. It installs what it needs from Debian's packages (patroni, etcd-server, etcd-client,
# python3-etcd, python3-psycopg2, ansible — the package that carries the community.postgresql
# collection —, postgresql-15-auto-failover and pg-auto-failover-cli where the archive has them), with
# /usr/sbin/policy-rc.d denying every service start while it installs; none of their packaged
# services is ever started. It makes three network namespaces (pgcmp-<id>-h1..3, 10.236.<k>.1..3/24,
# joined by a bridge in a namespace of its own) and removes them at exit; every server, daemon and
# client runs inside them (ip netns exec), nothing connects to a namespace address from the root
# namespace; the benchmark's own poller uses the Unix sockets.
#
# Measured, round by round, the order of the tools rotated every round (--rounds N, default 5):
#   cold       three empty hosts -> the primary's pg_stat_replication shows both replicas with replay_lsn
#              set and both replicas' WAL receivers say streaming: pgconverge (three daemons, started as
#              postgres through the packages' launcher with a class-data archive, as the systemd unit
#              does), Patroni + etcd (3 members, ttl 30, loop_wait 10: Patroni's defaults), pg_auto_failover
#              (a monitor and three nodes), and the floor by hand (initdb, start, role + slots,
#              pg_basebackup -c fast twice in parallel, start).
#   warm       (not in the default list) the same formation with pgconverge's three daemons already
#              running and waiting for a file (started 1 s before, none there yet), the three files
#              renamed into place at t0: the cold formation less the JVMs' start, beside the same rounds' floor.
#   switch     on the cluster that round formed: a swapped desired-state file pushed to the three
#              pgconverge daemons / patronictl switchover / pg_autoctl perform switchover -> the new
#              primary shows both replicas streaming.
#   failover   (section FAILOVER below) Patroni: the primary's postmaster and patroni killed -9 -> the new
#              primary shows the remaining replica streaming; pgconverge's the same once its
#              `failover: {mode: etcd}` exists (skipped, with the reason, while `pgconverge validate`
#              refuses the section).
#   nochange   whole process, converged host: `pgconverge check` and `apply` started as postgres and as
#              root, vs `ansible-playbook` (connection: local, community.postgresql) of the same state
#              (settings, hba lines, a role) on a server of its own.
#   bootstrap  a replica of a ~450 MB primary (--bootstrap-mb): `pgconverge apply` on the empty host vs a
#              bare `pg_basebackup -c fast -X stream` of the same primary.
# It prints the table (median, min–max, every round, ratio of pgconverge's median to each peer's) and
# writes it, the machine, the versions, the load average of every round and the per-phase timeline of
# pgconverge's first cold formation (from its daemons' log timestamps) into reconciler/bench/results.md
# (between the compare.sh markers; the rest of the file is left as it is).
#
# --only cold,warm,switch,failover,nochange,bootstrap   what to measure (default: all but warm)
# --tools pgconverge,patroni,pgaf,manual          which formations (default: all available)
# Environment: PGBIN (/usr/lib/postgresql/15/bin), JAR (reconciler/target/pgconverge-*.jar; built with
# mvn if missing), ROUND_TIMEOUT (s, 120), KEEP_LOGS=DIR (copy every round's logs there).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
ROUND_TIMEOUT="${ROUND_TIMEOUT:-120}"
KEEP_LOGS="${KEEP_LOGS:-}"
ROUNDS=5
ONLY="cold,switch,failover,nochange,bootstrap"
TOOLS="pgconverge,patroni,pgaf,manual"
INSTALL=1
OUT_MD="$HERE/results.md"
BOOT_MB=450

usage() { sed -n '2,45p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --tools) TOOLS="$2"; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --no-failover) ONLY="$(tr ',' '\n' <<<"$ONLY" | grep -vx failover | paste -sd, -)"; shift ;;
    --out) OUT_MD="$2"; shift 2 ;;
    --bootstrap-mb) BOOT_MB="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 1 ;;
  esac
done
case "$ROUNDS" in ''|*[!0-9]*) echo "compare.sh: --rounds: a number, not '$ROUNDS'" >&2; exit 1 ;; esac
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }
tool_on() { case ",$TOOLS," in *",$1,"*) return 0 ;; esac; return 1; }

if [ "$(id -u)" != 0 ]; then echo "compare.sh: run as root (network namespaces, packages; servers run as postgres)" >&2; exit 1; fi
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# ------------------------------------------------------------------ packages (never their services)
install_packages() {
  local pkgs=(patroni etcd-server etcd-client python3-etcd python3-psycopg2 ansible) missing=() p made_policy=no
  for p in postgresql-15-auto-failover pg-auto-failover-cli; do
    apt-cache show "$p" >/dev/null 2>&1 && pkgs+=("$p") || log "Debian's archive has no $p here: pg_auto_failover is skipped"
  done
  for p in "${pkgs[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing from Debian's packages: ${missing[*]}"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 0755 /usr/sbin/policy-rc.d; made_policy=yes
  fi
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends \
    "${missing[@]}" >&2 || { [ $made_policy = yes ] && rm -f /usr/sbin/policy-rc.d; echo "compare.sh: apt-get install failed" >&2; exit 1; }
  if [ $made_policy = yes ]; then rm -f /usr/sbin/policy-rc.d; fi
}
[ "$INSTALL" = 1 ] && install_packages
PY=/usr/bin/python3   # Debian's, with its python3-psycopg2 (not a pyenv one first on PATH)
for c in ip setpriv "$PY"; do command -v "$c" >/dev/null || { echo "compare.sh: needs $c" >&2; exit 1; }; done
"$PY" -c 'import psycopg2' 2>/dev/null || { echo "compare.sh: needs python3-psycopg2" >&2; exit 1; }
command -v patroni >/dev/null && command -v etcd >/dev/null || TOOLS="$(tr ',' '\n' <<<"$TOOLS" | grep -vx patroni | paste -sd, -)"
command -v pg_autoctl >/dev/null || TOOLS="$(tr ',' '\n' <<<"$TOOLS" | grep -vx pgaf | paste -sd, -)"
ANSIBLE_OK=0
command -v ansible-playbook >/dev/null && [ -d /usr/lib/python3/dist-packages/ansible_collections/community/postgresql ] && ANSIBLE_OK=1

# ------------------------------------------------------------------ pgconverge as the packages install it
if [ -z "${JAR:-}" ]; then
  JAR="$(ls "$REPO"/reconciler/target/pgconverge-*.jar 2>/dev/null | head -1 || true)"
  if [ -z "$JAR" ]; then (cd "$REPO" && mvn -q -B -ntp -DskipTests package -pl reconciler); JAR="$(ls "$REPO"/reconciler/target/pgconverge-*.jar | head -1)"; fi
fi
RUN_ID="$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
WORK="$(mktemp -d /tmp/pgcmp-XXXXXX)"; chmod 755 "$WORK"
PGHOME_DIR="$WORK/home"; mkdir -p "$PGHOME_DIR"; chown postgres:postgres "$PGHOME_DIR"
# a PGCONVERGE_HOME like /usr/share/pgconverge: pgconverge.jar, lib/, and the class-data archive the
# packages' postinst makes (PGCONVERGE_CDS_DUMP ... cds-train)
PGC_HOME="$WORK/pgconverge"; mkdir -p "$PGC_HOME"
cp "$JAR" "$PGC_HOME/pgconverge.jar"; cp -r "$(dirname "$JAR")/lib" "$PGC_HOME/lib"
LAUNCHER="$PGC_HOME/pgconverge-launcher"; cp "$REPO/resources/pgconverge" "$LAUNCHER"; chmod 755 "$LAUNCHER"
CDS="$PGC_HOME/pgconverge.jsa"
PGCONVERGE_HOME="$PGC_HOME" PGCONVERGE_CDS_DUMP="$CDS" "$LAUNCHER" cds-train >/dev/null 2>&1 || true
[ -s "$CDS" ] || log "no class-data archive could be made; pgconverge runs without one"
chmod -R o+rX "$PGC_HOME"
# the launcher's root-only cache of who check/apply run as (/var/cache/pgconverge/run-as when installed)
PGC_ENV=(env PGCONVERGE_HOME="$PGC_HOME" PGCONVERGE_CDS_ARCHIVE="$CDS" PGCONVERGE_RUN_AS_CACHE="$PGC_HOME/run-as")
AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$PGHOME_DIR" USER=postgres LOGNAME=postgres)

# ------------------------------------------------------------------ the three hosts
NAMESPACES=()
SUBNET=$(( 1 + RANDOM % 250 ))
BR="pgcmp-$RUN_ID-br"
ns_of() { echo "pgcmp-$RUN_ID-h$1"; }
addr_of() { echo "10.236.$SUBNET.$1"; }
NET="10.236.$SUBNET.0/24"
# shellcheck source=bench-lib.sh
. "$HERE/bench-lib.sh"
lab_up() { netns_lab_up "$BR" "10.236.$SUBNET" "$(ns_of 1)" "$(ns_of 2)" "$(ns_of 3)"; }
in_ns() { local i=$1; shift; ip netns exec "$(ns_of "$i")" "$@"; }

# Processes this script started in the background: each is the leader of its own process group
# (setsid), signalled by group. Anything else still alive in our namespaces was started by us too
# (nothing else runs there): swept at the end of every formation.
BG_PIDS=()
bg_start() {   # bg_start LOGFILE CMD... -> pid in BG_PID
  local logf=$1; shift
  setsid "$@" >> "$logf" 2>&1 < /dev/null &
  BG_PID=$!; BG_PIDS+=("$BG_PID")
  disown "$BG_PID"   # no "Killed" notice from bash when a test kills it
}
stop_group() {   # stop_group PID [SIGNAL] [SECONDS]
  local pid=$1 sig=${2:-TERM} secs=${3:-20} n
  kill -"$sig" -- "-$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null || true
  for n in $(seq 1 $(( secs * 10 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
}
stop_servers_under() {   # pg_ctl stop -m immediate for every data directory under DIR still running
  local d
  for d in $(find "$1" -maxdepth 3 -name postmaster.pid 2>/dev/null); do
    d="$(dirname "$d")"
    timeout 30 "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$d" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
  done
}
sweep_namespaces() { netns_sweep 5; }
teardown() {   # teardown DIR: daemons (TERM, then their groups), servers, leftovers; DIR removed
  local pid
  for pid in ${BG_PIDS[@]+"${BG_PIDS[@]}"}; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in ${BG_PIDS[@]+"${BG_PIDS[@]}"}; do stop_group "$pid" TERM 30; done
  BG_PIDS=()
  [ -n "${1:-}" ] && stop_servers_under "$1"
  sweep_namespaces
  if [ -n "${1:-}" ] && [ -d "$1" ]; then
    if [ -n "$KEEP_LOGS" ]; then
      mkdir -p "$KEEP_LOGS/$(basename "$1")"
      find "$1" \( -name '*.log' -o -path '*/log/*' \) -type f -size -20M -exec cp --parents -t "$KEEP_LOGS/$(basename "$1")" {} + 2>/dev/null || true
    fi
    rm -rf "$1"
  fi
}
final_cleanup() {
  set +e
  teardown ""
  stop_servers_under "$WORK"
  sweep_namespaces
  netns_delete
  rm -rf "$WORK"
}
trap final_cleanup EXIT
trap 'exit 130' INT TERM
lab_up

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
newdir() { local d; d="$(mktemp -d "$WORK/$1-XXXX")"; chmod 755 "$d"; chown postgres:postgres "$d"; echo "$d"; }
secret() { od -An -N18 -tx1 /dev/urandom | tr -d ' \n'; }
pgfile() { install -m "${2:-600}" -o postgres -g postgres /dev/stdin "$1"; }   # pgfile PATH [MODE] < content

# ------------------------------------------------------------------ the one criterion of "streaming"
# poll.py T0_US DEADLINE_S WANT NEED SPEC1 SPEC2 SPEC3 (SPEC = socket-dir:port of node i, "-" = gone;
# WANT = any | =N (node N must be the primary) | !N (any but node N)). Done at the end of the first pass in
# which exactly one node is not in recovery, its pg_stat_replication has NEED rows with state streaming and
# replay_lsn set, and NEED other nodes' pg_stat_wal_receiver say streaming. Prints "MS PRIMARY PASSES".
cat > "$WORK/poll.py" <<'PY'
import sys, time, psycopg2
t0, deadline, want, need = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
specs = sys.argv[5:]
Q = ("select pg_is_in_recovery(), (select count(*) from pg_stat_replication where state = 'streaming' "
     "and replay_lsn is not null), (select status from pg_stat_wal_receiver)")
def probe(spec):
    if spec == "-":
        return None
    d, p = spec.rsplit(":", 1)
    try:
        c = psycopg2.connect(host=d, port=p, dbname="postgres", user="postgres", connect_timeout=1)
        try:
            c.autocommit = True
            cur = c.cursor(); cur.execute(Q); return cur.fetchone()
        finally:
            c.close()
    except Exception:
        return None
passes = 0
while True:
    passes += 1
    st = [probe(s) for s in specs]
    now = time.time()
    ms = int((now * 1e6 - t0) / 1000)
    prim = [i for i, s in enumerate(st) if s is not None and not s[0]]
    if len(prim) == 1:
        p = prim[0]
        ok_want = want == "any" or (want[0] == "=" and p + 1 == int(want[1:])) or (want[0] == "!" and p + 1 != int(want[1:]))
        recv = sum(1 for i, s in enumerate(st) if i != p and s is not None and s[0] and s[2] == "streaming")
        if ok_want and st[p][1] >= need and recv >= need:
            print(ms, p + 1, passes); sys.exit(0)
    if now - t0 / 1e6 > deadline:
        print("timeout", [None if s is None else list(s) for s in st]); sys.exit(1)
    time.sleep(0.02)
PY
chmod 644 "$WORK/poll.py"
await_streaming() {   # T0_US WANT NEED SPEC1 SPEC2 SPEC3 -> "MS PRIMARY PASSES" (or "timeout ...", exit 1)
  "${AS_PG[@]}" "$PY" "$WORK/poll.py" "$1" "$ROUND_TIMEOUT" "$2" "$3" "$4" "$5" "$6"
}

# ------------------------------------------------------------------ results
declare -A SAMPLES=()   # "scenario|tool" -> space-separated ms (or "x" for a failed round)
declare -A NOTES=()
record() { SAMPLES["$1|$2"]="${SAMPLES["$1|$2"]:-}${SAMPLES["$1|$2"]:+ }$3"; log "  $1 / $2: $3 ms${4:+ ($4)}"; }
ROUND_LOAD=()

# ================================================================== pgconverge
pgc_desired() { bench_desired "$1" "$2" "$3" "$4" "" "${5:-}"; }   # pgc_desired ROOT SELF PRIMARY FILE [EXTRA_YAML]
pgc_hosts() {   # pgc_hosts ROOT
  local root=$1 i
  secret | pgfile "$root/replicator.password" 640
  for i in 1 2 3; do mkdir -p "$root/node$i/run"; chown -R postgres:postgres "$root/node$i"; chmod 755 "$root/node$i"; done
}
pgc_daemon() {   # pgc_daemon ROOT I
  local root=$1 i=$2 d="$1/node$2"
  bg_start "$d/daemon.log" ip netns exec "$(ns_of "$i")" "${AS_PG[@]}" "${PGC_ENV[@]}" "$LAUNCHER" daemon \
    --config "$d/desired-state.yaml" --status-file "$d/run/status.json" --metrics-file "$d/run/metrics.prom"
  PGC_PIDS[$i]=$BG_PID
}
pgc_specs() { echo "$1/node1:5432 $1/node2:5432 $1/node3:5432"; }
pgc_await_converged() {   # every daemon's last run succeeded (status file), bounded
  local root=$1 deadline=$(( $(now_us) + 60000000 )) i ok
  while :; do
    ok=1
    for i in 1 2 3; do grep -q '"success" *: *true' "$root/node$i/run/status.json" 2>/dev/null || ok=0; done
    [ $ok = 1 ] && return 0
    [ "$(now_us)" -ge $deadline ] && { log "  pgconverge daemons not converged within 60 s"; return 1; }
    sleep 0.1
  done
}
declare -A PGC_PIDS=()
TIMELINE_ROOT=""   # the first cold formation's logs, kept for the timeline
run_pgconverge() {   # one round: cold formation, then switchover
  local root r t0 i
  root="$(newdir pgc)"; pgc_hosts "$root"
  for i in 1 2 3; do pgc_desired "$root" "$i" 1 "$root/node$i/desired-state.yaml"; done
  t0=$(now_us); echo "$t0" > "$root/t0"
  for i in 1 2 3; do pgc_daemon "$root" "$i"; done
  # shellcheck disable=SC2046
  if r="$(await_streaming "$t0" =1 2 $(pgc_specs "$root"))"; then record cold pgconverge "${r%% *}"; else record cold pgconverge x "$r"; fi
  if [ -z "$TIMELINE_ROOT" ] && [ "${r%% *}" != timeout ]; then
    TIMELINE_ROOT="$WORK/timeline"; mkdir -p "$TIMELINE_ROOT"
    cp "$root/t0" "$TIMELINE_ROOT/"; for i in 1 2 3; do cp "$root/node$i/daemon.log" "$TIMELINE_ROOT/node$i.log"; done
  fi
  if want switch && [ "${r%% *}" != timeout ]; then
    pgc_await_converged "$root" || true; sleep 1
    for i in 1 2 3; do pgc_desired "$root" "$i" 2 "$root/node$i/.desired-state.yaml.new"; done
    t0=$(now_us)
    for i in 1 2 3; do mv -f "$root/node$i/.desired-state.yaml.new" "$root/node$i/desired-state.yaml"; done
    # shellcheck disable=SC2046
    if r="$(await_streaming "$t0" =2 2 $(pgc_specs "$root"))"; then record switch pgconverge "${r%% *}"; else record switch pgconverge x "$r"; fi
  fi
  teardown "$root"
}

run_pgconverge_warm() {   # the cold formation with the three daemons started before their files exist
  local root r t0 i n ok=0
  root="$(newdir pgw)"; pgc_hosts "$root"
  for i in 1 2 3; do pgc_daemon "$root" "$i"; done
  for n in $(seq 1 300); do
    ok=1; for i in 1 2 3; do grep -q "waiting for a valid desired state" "$root/node$i/daemon.log" 2>/dev/null || ok=0; done
    [ $ok = 1 ] && break; sleep 0.1
  done
  if [ $ok = 1 ]; then
    sleep 1   # the three starts are over
    for i in 1 2 3; do pgc_desired "$root" "$i" 1 "$root/node$i/.desired-state.yaml.new"; done
    t0=$(now_us)
    for i in 1 2 3; do mv -f "$root/node$i/.desired-state.yaml.new" "$root/node$i/desired-state.yaml"; done
    # shellcheck disable=SC2046
    if r="$(await_streaming "$t0" =1 2 $(pgc_specs "$root"))"; then record warm pgconverge "${r%% *}"; else record warm pgconverge x "$r"; fi
  else
    record warm pgconverge x "the daemons did not say within 30 s that they wait for a file"
  fi
  teardown "$root"
}

# ================================================================== Patroni + etcd
etcd_cluster() {   # etcd_cluster ROOT: three members, one per host, started in the background
  local root=$1 i init=""
  for i in 1 2 3; do init="$init${init:+,}e$i=http://$(addr_of "$i"):2380"; done
  for i in 1 2 3; do
    mkdir -p "$root/etcd$i"; chown postgres:postgres "$root/etcd$i"; chmod 700 "$root/etcd$i"
    bg_start "$root/etcd$i.log" ip netns exec "$(ns_of "$i")" "${AS_PG[@]}" etcd --name "e$i" --data-dir "$root/etcd$i/data" \
      --listen-client-urls "http://$(addr_of "$i"):2379" --advertise-client-urls "http://$(addr_of "$i"):2379" \
      --listen-peer-urls "http://$(addr_of "$i"):2380" --initial-advertise-peer-urls "http://$(addr_of "$i"):2380" \
      --initial-cluster "$init" --initial-cluster-state new --initial-cluster-token "pgcmp-$RUN_ID-$(basename "$root")" \
      --logger zap --log-level warn
  done
}
patroni_config() {   # patroni_config ROOT I PASSWORD_DIR
  local root=$1 i=$2 a; a="$(addr_of "$i")"
  {
    echo "scope: bench"
    echo "name: node$i"
    echo "log: {level: INFO}"
    echo "restapi: {listen: '$a:8008', connect_address: '$a:8008'}"
    echo "etcd3: {hosts: ['$(addr_of 1):2379', '$(addr_of 2):2379', '$(addr_of 3):2379']}"
    echo "bootstrap:"
    echo "  dcs:"
    echo "    ttl: 30"
    echo "    loop_wait: 10"
    echo "    retry_timeout: 10"
    echo "    postgresql:"
    echo "      use_pg_rewind: true"
    echo "      use_slots: true"
    echo "      parameters: {wal_level: replica, wal_log_hints: 'on', max_wal_senders: 10, wal_keep_size: 152MB, hot_standby: 'on'}"
    echo "postgresql:"
    echo "  listen: '$a:5432'"
    echo "  connect_address: '$a:5432'"
    echo "  data_dir: '$root/node$i/data'"
    echo "  bin_dir: '$PGBIN'"
    echo "  pgpass: '$root/node$i/pgpass'"
    echo "  parameters: {unix_socket_directories: '$root/node$i'}"
    echo "  authentication:"
    echo "    superuser: {username: postgres, password: '$(cat "$root/su.password")'}"
    echo "    replication: {username: replicator, password: '$(cat "$root/replicator.password")'}"
    echo "    rewind: {username: rewinder, password: '$(cat "$root/rewind.password")'}"
    echo "  pg_hba:"
    echo "    - local all all peer"
    echo "    - host replication replicator $NET scram-sha-256"
    echo "    - host all all $NET scram-sha-256"
  } | pgfile "$root/node$i/patroni.yml" 600
}
declare -A PAT_PIDS=()
patroni_up() {   # patroni_up ROOT -> etcd and three patronis started; T0 in PAT_T0
  local root=$1 i
  for f in su replicator rewind; do secret | pgfile "$root/$f.password" 600; done
  for i in 1 2 3; do mkdir -p "$root/node$i"; chown postgres:postgres "$root/node$i"; chmod 755 "$root/node$i"; patroni_config "$root" "$i"; done
  PAT_T0=$(now_us)
  etcd_cluster "$root"
  for i in 1 2 3; do
    bg_start "$root/node$i/patroni.log" ip netns exec "$(ns_of "$i")" "${AS_PG[@]}" patroni "$root/node$i/patroni.yml"
    PAT_PIDS[$i]=$BG_PID
  done
}
pat_specs() { echo "$1/node1:5432 $1/node2:5432 $1/node3:5432"; }
run_patroni() {
  local root r t0 p c out
  root="$(newdir pat)"
  patroni_up "$root"
  # shellcheck disable=SC2046
  if r="$(await_streaming "$PAT_T0" any 2 $(pat_specs "$root"))"; then record cold patroni "${r%% *}"; else record cold patroni x "$r"; fi
  p="$(cut -d' ' -f2 <<<"$r")"
  if want switch && [ "${r%% *}" != timeout ]; then
    c=$(( p % 3 + 1 ))
    sleep 1
    t0=$(now_us)
    out="$(timeout 90 ip netns exec "$(ns_of "$p")" "${AS_PG[@]}" patronictl -c "$root/node$p/patroni.yml" switchover --leader "node$p" --candidate "node$c" --force 2>&1)" \
      || log "  patronictl switchover: $(tail -2 <<<"$out" | tr '\n' ' ')"
    # shellcheck disable=SC2046
    if r="$(await_streaming "$t0" "=$c" 2 $(pat_specs "$root"))"; then record switch patroni "${r%% *}"; else record switch patroni x "$r"; fi
    p=$c
  fi
  if want failover && [ "${r%% *}" != timeout ]; then failover_patroni "$root" "$p"; fi
  teardown "$root"
}

# ================================================================== FAILOVER (issue 12)
# The primary's host lost: its postmaster and its agent (patroni / the pgconverge daemon) killed -9 at
# once; measured until a new primary shows the remaining replica streaming (its pg_stat_replication row
# with replay_lsn set, its WAL receiver streaming). Same ttl 30 / loop_wait 10 for both tools.
failover_patroni() {   # failover_patroni ROOT PRIMARY
  local root=$1 p=$2
  sleep 11   # one loop_wait: the replicas have seen the leader key renewed since the switchover
  lose_host "$root" "$p" "${PAT_PIDS[$p]}" patroni
}
lose_host() {   # lose_host ROOT PRIMARY AGENT_PID TOOL: postmaster and agent killed -9, then the new primary awaited
  local root=$1 p=$2 pm t0 r specs=() i
  pm="$(head -1 "$root/node$p/data/postmaster.pid")"
  t0=$(now_us)
  kill -KILL -- "-$3" 2>/dev/null || true
  kill -KILL "$pm" 2>/dev/null || true
  for i in 1 2 3; do if [ "$i" = "$p" ]; then specs+=("-"); else specs+=("$root/node$i:5432"); fi; done
  if r="$(await_streaming "$t0" "!$p" 1 "${specs[@]}")"; then record failover "$4" "${r%% *}"; else record failover "$4" x "$r"; fi
}
# pgconverge's failover needs `failover: {mode: etcd, ...}` in the desired state (issue 12, being built on
# h-failover). The section is offered to `pgconverge validate` first; while it is refused, the measurement
# is skipped and the refusal printed.
PGC_FAILOVER_YAML=""
pgc_failover_yaml() {
  PGC_FAILOVER_YAML="failover:
  mode: etcd
  etcd:
    endpoints: ['http://$(addr_of 1):2379', 'http://$(addr_of 2):2379', 'http://$(addr_of 3):2379']
    namespace: /pgconverge
  ttl: 30s
  loop_wait: 10s
  retry_timeout: 10s"
}
PGC_FAILOVER_REASON=""
pgc_failover_supported() {
  local root out
  [ -n "$PGC_FAILOVER_REASON" ] && return 1
  root="$(newdir val)"; pgc_hosts "$root"; pgc_failover_yaml
  pgc_desired "$root" 1 1 "$root/node1/desired-state.yaml" "$PGC_FAILOVER_YAML"
  if out="$(in_ns 1 "${AS_PG[@]}" "${PGC_ENV[@]}" "$LAUNCHER" validate "$root/node1/desired-state.yaml" 2>&1)"; then
    rm -rf "$root"; return 0
  fi
  PGC_FAILOVER_REASON="$(head -3 <<<"$out" | sed "s|$root/node1/||" | tr '\n' ' ')"
  rm -rf "$root"
  log "  pgconverge failover skipped: \`pgconverge validate\` refuses the failover section: $PGC_FAILOVER_REASON"
  return 1
}
run_pgconverge_failover() {
  local root r i p
  pgc_failover_supported || return 0
  root="$(newdir pgcf)"; pgc_hosts "$root"
  for i in 1 2 3; do pgc_desired "$root" "$i" 1 "$root/node$i/desired-state.yaml" "$PGC_FAILOVER_YAML"; done
  etcd_cluster "$root"
  for i in 1 2 3; do pgc_daemon "$root" "$i"; done
  # shellcheck disable=SC2046
  if ! r="$(await_streaming "$(now_us)" any 2 $(pgc_specs "$root"))"; then record failover pgconverge x "formation: $r"; teardown "$root"; return 0; fi
  p="$(cut -d' ' -f2 <<<"$r")"
  pgc_await_converged "$root" || true
  sleep 11
  lose_host "$root" "$p" "${PGC_PIDS[$p]}" pgconverge
  teardown "$root"
}
# ================================================================== end FAILOVER

# ================================================================== pg_auto_failover
# pg_autoctl leaves unix_socket_directories at its default (/var/run/postgresql, shared by the three
# namespaces' filesystem) whatever PGHOST says, and its replicas copy the primary's configuration: so its
# monitor and nodes get ports of their own (5440; 5441-5443) instead of 5432 on every host.
declare -A PGAF_PIDS=()
PGAF_SOCK=/var/run/postgresql
pgaf_env() { echo "XDG_CONFIG_HOME=$1/xdg/config XDG_DATA_HOME=$1/xdg/data XDG_RUNTIME_DIR=$1/xdg/run PGHOST=$PGAF_SOCK"; }
pgaf_specs() { echo "$PGAF_SOCK:5441 $PGAF_SOCK:5442 $PGAF_SOCK:5443"; }
run_pgaf() {
  local root r t0 i p mon m
  root="$(newdir pgaf)"
  mkdir -p "$PGAF_SOCK"; chown postgres:postgres "$PGAF_SOCK"
  for i in 0 1 2 3; do mkdir -p "$root/node$i/xdg/config" "$root/node$i/xdg/data" "$root/node$i/xdg/run"; chmod 700 "$root/node$i/xdg/run"; done
  chown -R postgres:postgres "$root"; chmod 755 "$root"/node*
  mon="postgres://autoctl_node@$(addr_of 1):5440/pg_auto_failover?sslmode=disable"
  t0=$(now_us)
  # shellcheck disable=SC2046
  bg_start "$root/node0/autoctl.log" ip netns exec "$(ns_of 1)" "${AS_PG[@]}" $(pgaf_env "$root/node0") pg_autoctl create monitor \
    --pgctl "$PGBIN/pg_ctl" --pgdata "$root/node0/data" --pgport 5440 --hostname "$(addr_of 1)" --auth trust --no-ssl --run
  PGAF_PIDS[0]=$BG_PID
  # the nodes register once the monitor answers (bounded)
  m=$(( $(now_us) + 60000000 ))
  while [ "$(now_us)" -lt $m ]; do
    in_ns 1 "${AS_PG[@]}" "$PGBIN/psql" -X -q -A -t -h "$PGAF_SOCK" -p 5440 -d pg_auto_failover -c 'select 1 from pgautofailover.formation limit 1' >/dev/null 2>&1 && break
    sleep 0.05
  done
  for i in 1 2 3; do
    # shellcheck disable=SC2046
    bg_start "$root/node$i/autoctl.log" ip netns exec "$(ns_of "$i")" "${AS_PG[@]}" $(pgaf_env "$root/node$i") pg_autoctl create postgres \
      --pgctl "$PGBIN/pg_ctl" --pgdata "$root/node$i/data" --pgport "544$i" --pghost "$PGAF_SOCK" --hostname "$(addr_of "$i")" \
      --name "node$i" --monitor "$mon" --auth trust --no-ssl --run
    PGAF_PIDS[$i]=$BG_PID
  done
  # shellcheck disable=SC2046
  if r="$(await_streaming "$t0" any 2 $(pgaf_specs))"; then record cold pgaf "${r%% *}"; else record cold pgaf x "$r"; fi
  p="$(cut -d' ' -f2 <<<"$r")"
  if want switch && [ "${r%% *}" != timeout ]; then
    # the monitor takes a switchover only once every node has reached its goal state (bounded)
    m=$(( $(now_us) + 60000000 ))
    while [ "$(now_us)" -lt $m ]; do
      [ "$(in_ns 1 "${AS_PG[@]}" "$PGBIN/psql" -X -q -A -t -h "$PGAF_SOCK" -p 5440 -d pg_auto_failover -c \
        "select count(*) from pgautofailover.node where reportedstate = goalstate and goalstate in ('primary', 'secondary')" 2>/dev/null)" = 3 ] && break
      sleep 0.2
    done
    sleep 1
    t0=$(now_us)
    # shellcheck disable=SC2046
    timeout 90 ip netns exec "$(ns_of "$p")" "${AS_PG[@]}" $(pgaf_env "$root/node$p") pg_autoctl perform switchover \
      --pgdata "$root/node$p/data" >> "$root/node$p/switchover.log" 2>&1 || log "  pg_autoctl perform switchover failed: $(tail -2 "$root/node$p/switchover.log" | tr '\n' ' ')"
    # shellcheck disable=SC2046
    if r="$(await_streaming "$t0" "!$p" 2 $(pgaf_specs))"; then record switch pgaf "${r%% *}"; else record switch pgaf x "$r"; fi
  fi
  teardown "$root"
}

# ================================================================== the floor by hand
run_manual() {
  local root r t0 i a1; a1="$(addr_of 1)"
  root="$(newdir man)"
  for i in 1 2 3; do mkdir -p "$root/node$i"; done; chown -R postgres:postgres "$root"; chmod 755 "$root"/node*
  secret > "$root/pw"; printf '*:*:*:replicator:%s\n' "$(cat "$root/pw")" | pgfile "$root/pgpass" 600; chown postgres "$root/pw"; chmod 600 "$root/pw"
  t0=$(now_us)
  in_ns 1 "${AS_PG[@]}" "$PGBIN/initdb" -D "$root/node1/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 >"$root/initdb.log" 2>&1
  printf 'host replication replicator %s scram-sha-256\n' "$NET" >> "$root/node1/data/pg_hba.conf"
  printf "listen_addresses = '*'\nwal_level = replica\nwal_log_hints = on\nmax_wal_senders = 10\nwal_keep_size = 152MB\nhot_standby = on\n" >> "$root/node1/data/postgresql.conf"
  in_ns 1 "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$root/node1/data" -l "$root/node1/server.log" -w -t 60 -o "-c unix_socket_directories=$root/node1" start >/dev/null
  { printf "set password_encryption = 'scram-sha-256';\ncreate role replicator login replication password '%s';\n" "$(cat "$root/pw")"
    echo "select pg_create_physical_replication_slot('node2'), pg_create_physical_replication_slot('node3');"; } \
    | in_ns 1 "${AS_PG[@]}" "$PGBIN/psql" -X -q -h "$root/node1" -d postgres -f - >/dev/null
  for i in 2 3; do
    ( in_ns "$i" "${AS_PG[@]}" env PGPASSFILE="$root/pgpass" "$PGBIN/pg_basebackup" -c fast -X stream -R -S "node$i" \
        -h "$a1" -U replicator -D "$root/node$i/data" \
      && in_ns "$i" "${AS_PG[@]}" env PGPASSFILE="$root/pgpass" "$PGBIN/pg_ctl" -D "$root/node$i/data" -l "$root/node$i/server.log" -w -t 60 \
        -o "-c unix_socket_directories=$root/node$i" start >/dev/null ) &
  done
  wait
  # shellcheck disable=SC2046
  if r="$(await_streaming "$t0" =1 2 $(pgc_specs "$root"))"; then record cold manual "${r%% *}"; else record cold manual x "$r"; fi
  teardown "$root"
}

# ================================================================== no-change run, whole process
NC_ROOT=""
# the state both tools keep: these settings, three hba lines (below) and the role app
NC_SETTINGS="listen_addresses: '*'
work_mem: 8MB
maintenance_work_mem: 128MB
log_min_duration_statement: 500ms
idle_in_transaction_session_timeout: 10min
wal_level: replica"
nochange_setup() {
  local root=$1 i
  NC_ROOT="$root"
  # pgconverge's host (node1, in h1): a primary with settings, hba lines and a role, made by apply
  secret | pgfile "$root/app.password" 640
  mkdir -p "$root/node1/run" "$root/node2"; chown -R postgres:postgres "$root"; chmod 755 "$root/node1" "$root/node2"
  cat > "$root/node1/desired-state.yaml" <<EOF
version: 1
cluster: nochange
self: node1
peers:
  - {name: node1, host: '$(addr_of 1)', port: 5432, role: primary}
postgres:
  bin: '$PGBIN'
  data: '$root/node1/data'
  socket_directory: '$root/node1'
  user: postgres
  settings:
$(sed 's/^/    /' <<<"$NC_SETTINGS")
  hba:
    - local all postgres peer
    - local all all peer
    - host app app 10.236.0.0/16 scram-sha-256
roles:
  - {name: app, login: true, password_file: '$root/app.password'}
policy: {restart: never}
EOF
  chmod 644 "$root/node1/desired-state.yaml"
  for i in 1 2; do in_ns 1 "${AS_PG[@]}" "${PGC_ENV[@]}" "$LAUNCHER" apply --config "$root/node1/desired-state.yaml" \
    --status-file "$root/node1/run/status.json" --metrics-file "$root/node1/run/metrics.prom" >> "$root/node1/apply.log" 2>&1 || true; done
  in_ns 1 "${AS_PG[@]}" "${PGC_ENV[@]}" "$LAUNCHER" check --config "$root/node1/desired-state.yaml" >> "$root/node1/apply.log" 2>&1 \
    || log "  pgconverge's no-change host is not in sync after two applies (see $root/node1/apply.log)"
  # started as root once, as config management would: the launcher learns who runs this file (cli/RunAs)
  in_ns 1 "${PGC_ENV[@]}" "$LAUNCHER" check --config "$root/node1/desired-state.yaml" >> "$root/node1/apply.log" 2>&1 || true
  # Ansible's host (node2, in h2): initdb + start, then the playbook converges it once
  [ "$ANSIBLE_OK" = 1 ] || return 0
  in_ns 2 "${AS_PG[@]}" "$PGBIN/initdb" -D "$root/node2/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 > "$root/node2/initdb.log" 2>&1
  in_ns 2 "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$root/node2/data" -l "$root/node2/server.log" -w -t 60 -o "-c unix_socket_directories=$root/node2" start >/dev/null
  cat > "$root/node2/site.yml" <<EOF
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    sock: '$root/node2'
    pgdata: '$root/node2/data'
    settings:
$(sed 's/^/      /' <<<"$NC_SETTINGS")
  tasks:
    - name: settings
      community.postgresql.postgresql_set:
        name: '{{ item.key }}'
        value: '{{ item.value }}'
        login_unix_socket: '{{ sock }}'
      loop: '{{ settings | dict2items }}'
      notify: reload
    - name: hba lines
      community.postgresql.postgresql_pg_hba:
        dest: '{{ pgdata }}/pg_hba.conf'
        contype: '{{ item.contype }}'
        databases: '{{ item.databases }}'
        users: '{{ item.users }}'
        source: '{{ item.source | default(omit) }}'
        method: '{{ item.method }}'
      loop:
        - {contype: local, databases: all, users: postgres, method: peer}
        - {contype: local, databases: all, users: all, method: peer}
        - {contype: host, databases: app, users: app, source: 10.236.0.0/16, method: scram-sha-256}
      notify: reload
    - name: role
      community.postgresql.postgresql_user:
        name: app
        password: "{{ lookup('file', '$root/app.password') }}"
        role_attr_flags: LOGIN
        login_unix_socket: '{{ sock }}'
      no_log: true
  handlers:
    - name: reload
      community.postgresql.postgresql_query:
        query: select pg_reload_conf()
        login_unix_socket: '{{ sock }}'
EOF
  chmod 644 "$root/node2/site.yml"
  ansible_run "$root" > "$root/node2/ansible-first.log" 2>&1 || log "  the first ansible-playbook run failed: $(tail -5 "$root/node2/ansible-first.log" | tr '\n' ' ')"
  in_ns 2 "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$root/node2/data" -l "$root/node2/server.log" -w -t 60 -m fast \
    -o "-c unix_socket_directories=$root/node2" restart >/dev/null   # wal_level needs a restart
  ansible_run "$root" > "$root/node2/ansible-second.log" 2>&1 || true
  grep -q 'changed=0' "$root/node2/ansible-second.log" || log "  the playbook still changes things on its second run: $(grep -E 'ok=|changed:' "$root/node2/ansible-second.log" | tr '\n' ' ')"
  nochange_servers stop
}
ansible_run() {   # ansible-playbook as postgres (connection: local, no become), inside h2
  local root=$1
  in_ns 2 "${AS_PG[@]}" env ANSIBLE_HOME="$root/node2/ansible" ANSIBLE_LOCAL_TEMP="$root/node2/ansible/tmp" \
    ANSIBLE_REMOTE_TEMP="$root/node2/ansible/tmp" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
    ansible-playbook -i localhost, "$root/node2/site.yml"
}
# The no-change and bootstrap servers use port 5432 of hosts 1 and 2 too, and every formation's teardown
# ends whatever runs in the namespaces: they run only while their own measurements do.
server_ctl() {   # server_ctl HOST DATADIR SOCKETDIR start|stop
  if [ "$4" = start ]; then
    in_ns "$1" "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$2" -l "$2/../server.log" -w -t 120 -o "-c unix_socket_directories=$3" start >/dev/null
  else
    timeout 60 "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$2" -m fast -w -t 50 stop >/dev/null 2>&1 || true
  fi
}
nochange_servers() {   # nochange_servers start|stop
  server_ctl 1 "$NC_ROOT/node1/data" "$NC_ROOT/node1" "$1"
  [ "$ANSIBLE_OK" = 1 ] && server_ctl 2 "$NC_ROOT/node2/data" "$NC_ROOT/node2" "$1"
  return 0
}
timed() {   # timed OK_CODES CMD... -> ms on stdout; logs the exit code if not in OK_CODES
  local ok=$1 t0 rc=0; shift
  t0=$(now_us)
  "$@" > "$NC_ROOT/last.out" 2>&1 || rc=$?
  echo $(( ($(now_us) - t0) / 1000 ))
  case " $ok " in *" $rc "*) ;; *) log "  exit $rc from ${*: -3}: $(tail -2 "$NC_ROOT/last.out" | tr '\n' ' ')"; echo x;; esac
}
nochange_sample() {   # nochange_sample WHAT
  local c="$NC_ROOT/node1/desired-state.yaml" ms st="--status-file $NC_ROOT/node1/run/status.json --metrics-file $NC_ROOT/node1/run/metrics.prom"
  case "$1" in
    check-postgres) ms="$(timed 0 in_ns 1 "${AS_PG[@]}" "${PGC_ENV[@]}" "$LAUNCHER" check --config "$c")" ;;
    check-root) ms="$(timed 0 in_ns 1 "${PGC_ENV[@]}" "$LAUNCHER" check --config "$c")" ;;
    # shellcheck disable=SC2086
    apply-postgres) ms="$(timed 0 in_ns 1 "${AS_PG[@]}" "${PGC_ENV[@]}" "$LAUNCHER" apply --config "$c" $st)" ;;
    # shellcheck disable=SC2086
    apply-root) ms="$(timed 0 in_ns 1 "${PGC_ENV[@]}" "$LAUNCHER" apply --config "$c" $st)" ;;
    ansible) ms="$(timed 0 ansible_run "$NC_ROOT")"; grep -q 'changed=0' "$NC_ROOT/last.out" || ms="x" ;;
  esac
  [ "$(tail -1 <<<"$ms")" = x ] && ms=x
  record nochange "$1" "$(head -1 <<<"$ms")"
}

# ================================================================== replica bootstrap of a large primary
BS_ROOT=""
bootstrap_setup() {
  local root=$1 i rows
  BS_ROOT="$root"
  pgc_hosts "$root"
  for i in 1 2; do pgc_desired "$root" "$i" 1 "$root/node$i/desired-state.yaml"; done
  for i in 1 2; do   # a second apply if the first one was refused or failed part-way (a loaded machine)
    in_ns 1 "${AS_PG[@]}" "${PGC_ENV[@]}" "$LAUNCHER" apply --config "$root/node1/desired-state.yaml" \
      --status-file "$root/node1/run/status.json" --metrics-file "$root/node1/run/metrics.prom" >> "$root/node1/apply.log" 2>&1 && break
    [ $? = 2 ] && break
  done
  rows=$(( BOOT_MB * 1024 * 1024 / 560 ))   # ~560 bytes per row on disk (a 500-byte text, tuple header, item pointer)
  if ! in_ns 1 "${AS_PG[@]}" "$PGBIN/psql" -X -q -h "$root/node1" -d postgres -v ON_ERROR_STOP=1 \
    -c "create table filler as select g as id, repeat(md5(g::text), 15) || g as pad from generate_series(1, $rows) g" -c checkpoint >/dev/null; then
    log "  the bootstrap primary could not be made: $(tail -3 "$root/node1/apply.log" | tr '\n' ' '); bootstrap skipped"
    ONLY="$(tr ',' '\n' <<<"$ONLY" | grep -vx bootstrap | paste -sd, -)"; return 0
  fi
  BS_SIZE_MB="$(in_ns 1 "${AS_PG[@]}" "$PGBIN/psql" -X -A -t -h "$root/node1" -d postgres -c "select (sum(pg_database_size(oid)) / 1048576)::int from pg_database")"
  printf '*:*:*:replicator:%s\n' "$(cat "$root/replicator.password")" | pgfile "$root/pgpass" 600
  log "  bootstrap primary: ${BS_SIZE_MB} MB in its databases"
  server_ctl 1 "$root/node1/data" "$root/node1" stop
}
bootstrap_sample() {   # bootstrap_sample WHAT
  local root="$BS_ROOT" t0 ms rc=0
  case "$1" in
    pgconverge)
      t0=$(now_us)
      in_ns 2 "${AS_PG[@]}" "${PGC_ENV[@]}" "$LAUNCHER" apply --config "$root/node2/desired-state.yaml" \
        --status-file "$root/node2/run/status.json" --metrics-file "$root/node2/run/metrics.prom" > "$root/node2/apply.log" 2>&1 || rc=$?
      ms=$(( ($(now_us) - t0) / 1000 ))
      [ "$rc" = 2 ] || { log "  bootstrap apply exit $rc: $(tail -3 "$root/node2/apply.log" | tr '\n' ' ')"; ms=x; }
      if [ -n "$KEEP_LOGS" ]; then   # its lines' times against t0 (µs since the epoch, in the name) give its phases
        mkdir -p "$KEEP_LOGS/bootstrap"; cp "$root/node2/apply.log" "$KEEP_LOGS/bootstrap/apply-t0-$t0-${ms}ms.log"
      fi
      timeout 30 "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$root/node2/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
      rm -rf "$root/node2/data" "$root/node2/"data.pgconverge-* ;;
    pg_basebackup)
      t0=$(now_us)
      in_ns 2 "${AS_PG[@]}" env PGPASSFILE="$root/pgpass" "$PGBIN/pg_basebackup" -c fast -X stream -h "$(addr_of 1)" -U replicator \
        -D "$root/node2/bb" > "$root/node2/bb.log" 2>&1 || rc=$?
      ms=$(( ($(now_us) - t0) / 1000 ))
      [ "$rc" = 0 ] || { log "  pg_basebackup exit $rc: $(tail -2 "$root/node2/bb.log" | tr '\n' ' ')"; ms=x; }
      rm -rf "$root/node2/bb" ;;
  esac
  record bootstrap "$1" "$ms"
}

# ================================================================== the rounds
rotate() {   # rotate R ITEMS...: the items, rotated by R
  local r=$1; shift; local a=("$@") n=$# i
  for i in $(seq 0 $(( n - 1 ))); do echo "${a[$(( (i + r) % n ))]}"; done
}
versions() {
  echo "pgconverge $(unzip -p "$JAR" META-INF/MANIFEST.MF 2>/dev/null | sed -n 's/^Implementation-Version: //p' | tr -d '\r') ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "$(java -version 2>&1 | sed -n 2p)"
  echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}')"
  command -v patroni >/dev/null && echo "Patroni $(patroni --version | awk '{print $2}'), etcd $(etcd --version | sed -n 's/^etcd Version: //p')"
  command -v pg_autoctl >/dev/null && echo "pg_auto_failover $(pg_autoctl version | sed -n 's/^pg_autoctl version //p')"
  command -v ansible-playbook >/dev/null && echo "ansible-core $(ansible-playbook --version | sed -n '1s/.*core \([0-9.]*\).*/\1/p'), community.postgresql $(sed -n 's/^ *"version": "\(.*\)".*/\1/p' /usr/lib/python3/dist-packages/ansible_collections/community/postgresql/MANIFEST.json 2>/dev/null | head -1)"
  return 0
}
MACHINE="nproc $(nproc), $(free -m | awk '/Mem:/ {print $2}') MiB RAM, $(uname -sr), $(. /etc/os-release; echo "$PRETTY_NAME")"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
log "== compare.sh: $ROUNDS rounds of: $ONLY; formations: $TOOLS; $MACHINE; load average $LOAD_START"
log "== $(versions | paste -sd';' -)"
T_START=$(now_us)

if want nochange; then nochange_setup "$(newdir nc)"; fi
if want bootstrap; then bootstrap_setup "$(newdir bs)"; fi
FORMATIONS=(); for t in pgconverge patroni pgaf manual; do tool_on "$t" && FORMATIONS+=("$t"); done
NC_WHAT=(check-postgres check-root apply-postgres apply-root); [ "$ANSIBLE_OK" = 1 ] && NC_WHAT+=(ansible)

# ------------------------------------------------------------------ the table
# stats "ms ms ms" -> "median min max n" (failed rounds, "x", are counted apart)
stats() { tr ' ' '\n' <<<"$1" | grep -E '^[0-9]+$' | sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "- - - 0"; exit} m = (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%d %d %d %d\n", m, a[1], a[NR], NR}'; }
fmt_s() { [ "$1" = - ] && echo "–" || awk -v v="$1" 'BEGIN {printf "%.2f s", v / 1000}'; }
ratio() { [ "$1" = - ] || [ "$2" = - ] || [ "$2" = 0 ] && { echo "–"; return; }; awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f ×", a / b}'; }
declare -A LABEL=(
  [cold]="cold formation: three empty hosts → both replicas streaming"
  [warm]="the same, pgconverge's daemons already running: three files pushed → both replicas streaming"
  [switch]="switchover → the new primary shows both replicas streaming"
  [failover]="failover: primary's postmaster + agent killed -9 → new primary streams to the remaining replica"
  [nochange]="no-change run, whole process, converged host"
  [bootstrap]="replica bootstrap of a ${BS_SIZE_MB:-$BOOT_MB} MB primary"
)
declare -A TOOLNAME=(
  [pgconverge]="pgconverge" [patroni]="Patroni + etcd" [pgaf]="pg_auto_failover" [manual]="by hand (the floor)"
  [check-postgres]="\`pgconverge check\` as postgres" [check-root]="\`pgconverge check\` as root"
  [apply-postgres]="\`pgconverge apply\` as postgres" [apply-root]="\`pgconverge apply\` as root"
  [ansible]="\`ansible-playbook\` (community.postgresql, connection: local)" [pg_basebackup]="bare \`pg_basebackup -c fast -X stream\`"
)
table() {
  local sc tool ours peers s m mn mx n all ours_m p pm rat
  echo "| measure | tool | median | min–max | rounds | every round (ms) | pgconverge's median ÷ this one |"
  echo "|---|---|---|---|---|---|---|"
  for sc in cold warm switch failover nochange bootstrap; do
    case "$sc" in
      warm) ours=(pgconverge); peers=() ;;
      nochange) ours=(check-postgres check-root apply-postgres apply-root); peers=(ansible) ;;
      bootstrap) ours=(pgconverge); peers=(pg_basebackup) ;;
      *) ours=(pgconverge); peers=(patroni pgaf manual) ;;
    esac
    for tool in "${ours[@]}" "${peers[@]}"; do
      all="${SAMPLES["$sc|$tool"]:-}"
      [ -n "$all" ] || continue
      read -r m mn mx n <<<"$(stats "$all")"
      rat=""
      case " ${peers[*]} " in
        *" $tool "*)
          for o in "${ours[@]}"; do
            [ -n "${SAMPLES["$sc|$o"]:-}" ] || continue
            read -r ours_m _ _ _ <<<"$(stats "${SAMPLES["$sc|$o"]}")"
            rat="$rat${rat:+; }$([ ${#ours[@]} -gt 1 ] && echo "${o}: ")$(ratio "$ours_m" "$m")"
          done ;;
      esac
      if [ "$sc" = warm ]; then   # beside the same rounds' cold formations
        for o in manual patroni; do
          [ -n "${SAMPLES["cold|$o"]:-}" ] || continue
          read -r pm _ _ _ <<<"$(stats "${SAMPLES["cold|$o"]}")"
          rat="$rat${rat:+; }÷ ${TOOLNAME[$o]}'s cold formation: $(ratio "$m" "$pm")"
        done
      fi
      echo "| ${LABEL[$sc]} | ${TOOLNAME[$tool]} | $(fmt_s "$m") | $(fmt_s "$mn")–$(fmt_s "$mx") | $n | $all | ${rat:-} |"
    done
  done
}

# ------------------------------------------------------------------ the timeline of one cold formation
timeline() {
  [ -n "$TIMELINE_ROOT" ] || { echo "(no pgconverge cold formation completed in this run)"; return; }
  "$PY" - "$TIMELINE_ROOT" <<'PY'
import sys, re, datetime
root = sys.argv[1]
t0 = int(open(f"{root}/t0").read()) / 1e6
rows = []
for i in (1, 2, 3):
    for line in open(f"{root}/node{i}.log", encoding="utf-8", errors="replace"):
        m = re.match(r"(\d{4}-\d\d-\d\dT[\d:.]+Z) (\w+) (?:\[run (\w+)\] )?(.*)", line.rstrip("\n"))
        if m:
            ts = datetime.datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()
            rows.append((int((ts - t0) * 1000), i, m.group(4)))
def first(i, pat, after=-1):
    for ms, n, msg in rows:
        if n == i and ms > after and re.search(pat, msg):
            return ms
    return None
def span(a, b):
    return "–" if a is None or b is None else f"{b - a} ms"
def at(x):
    return "–" if x is None else f"{x}"
# the phases, per node (ms after the three daemons were started)
print("| node | JVM start → first log line | load + first observe pass → its plan | waiting for the primary (retries every ~250 ms) | initdb / pg_basebackup (incl. postgres -C of the new config) | config files | server start | observe again, role + slot SQL | its run ends |")
print("|---|---|---|---|---|---|---|---|---|")
for i in (1, 2, 3):
    start = first(i, r"^run started \(start\)")
    if i == 1:
        plan = first(i, r"^drift data-directory")
        waited, built = None, first(i, r"^applied: initdb")
    else:
        plan = first(i, r"^refused primary") or first(i, r"^drift data-directory")
        waited = first(i, r"^drift data-directory")
        built = first(i, r"^applied: pg_basebackup")
    files = first(i, r"^applied: rewrite .*pg_hba.conf")
    srv = first(i, r"^applied: start the server")
    sql_end = first(i, r"^applied: create physical replication slot pgc_node3") if i == 1 else None
    end = first(i, r"result=changed")
    print(f"| node{i} | 0 → {at(start)} | {span(start, plan)} | {span(plan, waited)} | {span(waited or plan, built)} | {span(built, files)} | {span(files, srv)} | "
          + (span(srv, sql_end) if i == 1 else "–") + f" | {at(end)} |")
print()
print("Every log line of that formation, the waiting replicas' retries folded into one line each:")
print()
print("| ms | node | log line |")
print("|---|---|---|")
folded = {}
out = []
for ms, i, msg in sorted(rows):
    if re.match(r"(refused primary .* unreachable|waiting for another host|run started \(retry|apply run=\w+ result=failed)", msg):
        f = folded.setdefault(i, [ms, ms, 0, len(out)])
        f[1] = ms; f[2] += msg.startswith("run started (retry")
        if f[3] == len(out):
            out.append(None)
        continue
    msg = re.sub(r"/tmp/pgcmp-\w+/\w+-\w+/", "", msg)
    msg = msg.replace("|", "\\|")
    out.append(f"| {ms} | node{i} | {msg[:150] + ('…' if len(msg) > 150 else '')} |")
for i, (a, b, n, pos) in folded.items():
    out[pos] = f"| {a}–{b} | node{i} | (the primary is unreachable: {n} retries) |"
print("\n".join(x for x in out if x))
PY
}

# ------------------------------------------------------------------ print and write
write_results() {
  LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"
  ELAPSED_S=$(( ($(now_us) - T_START) / 1000000 ))
  FAILOVER_NOTE=""
  if want failover; then
    if [ -n "$PGC_FAILOVER_REASON" ]; then FAILOVER_NOTE="pgconverge's failover not measured: \`pgconverge validate\` refuses the desired state's \`failover:\` section (issue 12 not merged yet): $PGC_FAILOVER_REASON"; fi
  fi
  SECTION="$(
    echo "## Side by side: pgconverge, Patroni, pg_auto_failover, Ansible and the floor (compare.sh)"
    echo
    echo "Measured by \`reconciler/bench/compare.sh --rounds $ROUNDS\`$([ "$ROUNDS_DONE" = "$ROUNDS" ] || echo " (only $ROUNDS_DONE rounds finished)") on $(date -u '+%Y-%m-%d %H:%M UTC') in ${ELAPSED_S} s — $MACHINE."
    echo "Versions: $(versions | paste -sd';' - | sed 's/;/; /g')."
    echo "Load average (1, 5, 15 min) $LOAD_START at the start, $LOAD_END at the end; per round (1 min, start → end): $(printf '%s; ' "${ROUND_LOAD[@]}" | sed 's/; $//')."
    echo "The machine is shared (2 cores, other sessions building and testing): the absolute times move with the load; the"
    echo "ratios, from rounds that alternate the tools, are what count."
    echo
    table
    echo
    echo "How: three network namespaces (one per host, port 5432 each; pg_auto_failover: nodes on 5441-5443 and its monitor on host 1, 5440),"
    echo "fresh directories for every formation. \"Streaming\" is one criterion for every tool: exactly one node out of"
    echo "recovery whose \`pg_stat_replication\` has a row per replica with \`state = 'streaming'\` and \`replay_lsn\` set, and"
    echo "those replicas' \`pg_stat_wal_receiver.status = 'streaming'\`, polled over the Unix sockets about every 50 ms (the"
    echo "time is taken at the end of the first pass that sees it). pgconverge: three daemons started as postgres through the"
    echo "packages' launcher with the class-data archive its postinst makes (\`cds-train\`), \`schedule: {every: 30s}\`;"
    echo "switchover = the swapped file renamed over each host's file. Patroni: three etcd members (one per host) and three"
    echo "patroni processes started at the same moment, ttl 30, loop_wait 10, retry_timeout 10 (its defaults), slots and"
    echo "pg_rewind on; \`patronictl switchover --force\`. pg_auto_failover: the monitor started, its three nodes started as"
    echo "soon as it answers (the monitor's start is inside the time); \`pg_autoctl perform switchover\`. By hand: initdb, settings"
    echo "and an hba line appended, \`pg_ctl start\`, the role and two slots in one psql, \`pg_basebackup -c fast -X stream -R -S\`"
    echo "on both replicas at once, each followed by \`pg_ctl start\`. No-change: pgconverge on a converged primary (5 settings,"
    echo "3 hba lines, 1 role with a password file; exit 0); \`ansible-playbook\` as postgres with \`connection: local\` on a"
    echo "server of its own converged to the same state (its second and later runs report \`changed=0\`). Bootstrap: \`pgconverge"
    echo "apply\` on an empty replica host (exit 2: cloned, configured, started) vs \`pg_basebackup -c fast -X stream\` alone."
    if [ -n "$FAILOVER_NOTE" ]; then echo; echo "$FAILOVER_NOTE"; fi
    echo
    echo "### Where pgconverge's time goes in one cold formation (its daemons' own log lines)"
    echo
    timeline
  )"

  BEGIN_MARK="<!-- compare.sh: begin (written by reconciler/bench/compare.sh; edits here are overwritten) -->"
  END_MARK="<!-- compare.sh: end -->"
  printf '%s\n' "$SECTION" > "$WORK/section.md"
  "$PY" - "$OUT_MD" "$BEGIN_MARK" "$END_MARK" "$WORK/section.md" <<'PY'
import sys, os
path, b, e, sec = sys.argv[1:5]
section = open(sec, encoding="utf-8").read()
text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# pgconverge benchmark results\n"
block = b + "\n" + section.rstrip("\n") + "\n" + e + "\n"
if b in text and e in text:
    head, rest = text.split(b, 1)
    tail = rest.split(e, 1)[1].lstrip("\n")
    text = head + block + ("\n" + tail if tail else "")
else:
    first, _, others = text.partition("\n")
    text = first + "\n\n" + block + ("\n" + others.lstrip("\n") if others.strip() else "")
open(path, "w", encoding="utf-8").write(text)
PY
  log "== written to $OUT_MD"
}
ROUNDS_DONE=0
for round in $(seq 1 "$ROUNDS"); do
  l0="$(cut -d' ' -f1 /proc/loadavg)"
  log "== round $round of $ROUNDS (load $l0)"
  if want cold || want warm || want switch || want failover; then
    for t in $(rotate "$round" "${FORMATIONS[@]}"); do
      case "$t" in
        pgconverge) if want cold || want switch || want failover; then run_pgconverge; fi; if want warm; then run_pgconverge_warm; fi ;;
        patroni) run_patroni ;;
        pgaf) run_pgaf ;;
        manual) want cold && run_manual ;;
      esac
    done
    want failover && run_pgconverge_failover
  fi
  if want nochange; then
    nochange_servers start; sleep 1
    for w in $(rotate "$round" "${NC_WHAT[@]}"); do nochange_sample "$w"; done
    nochange_servers stop
  fi
  if want bootstrap; then
    server_ctl 1 "$BS_ROOT/node1/data" "$BS_ROOT/node1" start; sleep 1
    for w in $(rotate "$round" pgconverge pg_basebackup); do bootstrap_sample "$w"; done
    server_ctl 1 "$BS_ROOT/node1/data" "$BS_ROOT/node1" stop
  fi
  ROUND_LOAD+=("$l0 → $(cut -d' ' -f1 /proc/loadavg)")
  ROUNDS_DONE=$round
  write_results   # after every round: an interrupted run still leaves the rounds it finished
done
echo "$SECTION"


