#!/bin/sh
# Prepares this machine for desired-state-examples/single-primary.yaml: the directory it names,
# owned by the postgres user, and the two password files it reads (random, made once, mode 0600).
# Run as root. Touches nothing outside /tmp/pgconverge-example.
set -eu
dir=/tmp/pgconverge-example
mkdir -p "$dir"
for role in replicator app; do
  f="$dir/$role.password"
  if [ ! -e "$f" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$f")
  fi
done
chown -R postgres:postgres "$dir"
chmod 0750 "$dir"
chmod 0600 "$dir"/*.password
echo "ready: $dir (run: java -jar reconciler/target/pgconverge-0.1.0.jar apply --config desired-state-examples/single-primary.yaml)"
