#!/bin/bash
# Writes the catalogue of a PostgreSQL major version's parameters, from the server's own output,
# in the form pgconverge ships as reconciler/src/main/resources/io/pgconverge/pg/settings-<major>.tsv.
#
#   build-catalogue.sh BINDIR [OUTFILE] [SOURCE-NOTE]
#
# BINDIR holds postgres and initdb of one major version (its psql too, or another psql is used). OUTFILE defaults to the
# resource file of that major in this checkout; SOURCE-NOTE is a line for the file header saying
# where the binaries came from.
#
# The steps:
#  1. `postgres --describe-config`: name, context, type, min and max of every parameter that
#     belongs in postgresql.conf.
#  2. A throwaway server (initdb in a temporary directory, run as the postgres OS user when
#     started as root, no TCP listener, its Unix socket in that directory) answers
#     `SELECT ... FROM pg_settings`: the unit and the enum values of each parameter, and the rows
#     that --describe-config leaves out (developer options that are not in the sample file).
#     The server is stopped by its PID and the directory removed.
#  3. Enum aliases the server accepts but does not list (wal_level = hot_standby,
#     synchronous_commit = true, ...): one `postgres -D <scratch> -C port` per candidate word, on a
#     postgresql.conf that sets every enum parameter to that word; a parameter the server does not
#     name in a complaint accepted the word.
#  4. One tab-separated row per parameter, sorted by name:
#     name, type, unit, min, max, enum values, hidden enum aliases, context.
set -euo pipefail

bin=${1:?usage: build-catalogue.sh BINDIR [OUTFILE] [SOURCE-NOTE]}
bin=$(cd "$bin" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
version=$("$bin/postgres" --version)
major=$(sed -E 's/^[^0-9]*([0-9]+).*/\1/' <<<"$version")
out=${2:-$here/../src/main/resources/io/pgconverge/pg/settings-$major.tsv}
note=${3:-$version}

# psql of the same major, else any psql (libpq talks to every major): a build of the server alone
# is enough
psql=$bin/psql
if [ ! -x "$psql" ]; then
  psql=$( (ls -d /usr/lib/postgresql/*/bin/psql /usr/pgsql-*/bin/psql 2>/dev/null || true) | sort -V | tail -1)
  psql=${psql:-$(command -v psql)}
fi

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

work=$(mktemp -d /tmp/pgconverge-catalogue-XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres: "$work"
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1. --describe-config: name context group type reset min max short extra
"$bin/postgres" --describe-config | LC_ALL=C sort -t $'\t' -k1,1 >"$work/describe.tsv"

# 2. a throwaway server for pg_settings
as_postgres "$bin/initdb" -D "$work/data" -A trust -U postgres --no-sync >"$work/initdb.log" 2>&1 \
  || { cat "$work/initdb.log" >&2; exit 1; }
as_postgres "$bin/postgres" -D "$work/data" -c listen_addresses= -c "unix_socket_directories=$work" \
  -c port=5432 >"$work/server.log" 2>&1 &
for _ in $(seq 1 100); do
  [ -f "$work/data/postmaster.pid" ] && [ -S "$work/.s.PGSQL.5432" ] && break
  sleep 0.1
done
pid=$(head -1 "$work/data/postmaster.pid")
as_postgres "$psql" -X -q -h "$work" -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -c \
  "COPY (SELECT name, vartype, coalesce(unit, ''), coalesce(min_val, ''), coalesce(max_val, ''),
          coalesce(array_to_string(enumvals, ','), ''), context
         FROM pg_settings ORDER BY name) TO STDOUT" \
  | LC_ALL=C sort -t $'\t' -k1,1 >"$work/settings.tsv"
kill -INT "$pid"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
pid=

# 3. enum aliases the server accepts without listing them
mkdir "$work/probe"
[ "$(id -u)" = 0 ] && chown postgres: "$work/probe"
awk -F'\t' '$2 == "enum" { print $1 }' "$work/settings.tsv" >"$work/enums.txt"
: >"$work/aliases.txt"
for word in on off true false yes no 1 0 archive hot_standby debug info notice warning error \
  log fatal panic default none all local remote remote_write remote_apply partition try md5; do
  # log_min_messages = fatal would silence the complaints, so it is probed alone, by exit status
  grep -vx log_min_messages "$work/enums.txt" \
    | awk -v w="$word" '{ printf "%s = '\''%s'\''\n", $1, w }' >"$work/probe/postgresql.conf"
  chmod 644 "$work/probe/postgresql.conf"
  as_postgres "$bin/postgres" -D "$work/probe" -C port >/dev/null 2>"$work/probe.err" || true
  while read -r name; do
    grep -q "parameter \"$name\"" "$work/probe.err" || printf '%s\t%s\n' "$name" "$word" >>"$work/aliases.txt"
  done < <(grep -vx log_min_messages "$work/enums.txt")
  if grep -qx log_min_messages "$work/enums.txt"; then
    printf "log_min_messages = '%s'\n" "$word" >"$work/probe/postgresql.conf"
    if as_postgres "$bin/postgres" -D "$work/probe" -C port >/dev/null 2>&1; then
      printf 'log_min_messages\t%s\n' "$word" >>"$work/aliases.txt"
    fi
  fi
done

# 4. join: describe-config first, pg_settings for unit and enum values and the rows it alone has
{
  echo "# PostgreSQL $major parameters, generated by reconciler/catalogue/build-catalogue.sh; do not edit."
  echo "# source: $note"
  echo "# columns: name, type, unit, min, max, enum values, enum aliases the server accepts unlisted, context"
  awk -F'\t' -v OFS='\t' '
    FILENAME == ARGV[1] { alias[$1] = ($1 in alias) ? alias[$1] "," $2 : $2; next }
    FILENAME == ARGV[2] { d[$1] = 1; dctx[$1] = $2; dtype[$1] = tolower($4) == "boolean" ? "bool" : tolower($4); dmin[$1] = $6; dmax[$1] = $7; next }
    {
      name = $1; type = $2; unit = $3; min = $4; max = $5; ctx = $7
      if (name in d) {
        if (dtype[name] != type) { print "type differs for " name > "/dev/stderr"; exit 1 }
        ctx = dctx[name]
        if (dmin[name] != "") min = dmin[name]
        if (dmax[name] != "") max = dmax[name]
      }
      # an alias is one the server accepted but pg_settings does not list
      hidden = ""
      n = split(alias[name], a, ",")
      for (i = 1; i <= n; i++) {
        if (("," tolower($6) ",") !~ ("," a[i] ",")) hidden = hidden == "" ? a[i] : hidden "," a[i]
      }
      print name, type, unit, min, max, $6, hidden, ctx
    }' "$work/aliases.txt" "$work/describe.tsv" "$work/settings.tsv"
} >"$work/out.tsv"
mkdir -p "$(dirname "$out")"
mv "$work/out.tsv" "$out"
chmod 644 "$out"
echo "$out: $(grep -vc '^#' "$out") parameters" >&2
