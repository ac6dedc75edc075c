#!/usr/bin/env python3
"""Writes the hostile desired-state corpus: reconciler/src/test/resources/desired/hostile/.

Every file is the valid BASE below with one defect. A text file's first line says what
pgconverge must report: `# expect: <line> <field>` (field `-`: a problem with the file as a
whole, such as "not YAML"). A file whose bytes are the defect (encodings) has the same line in
a sidecar `<file>.expect` instead. HostileCorpusTest and HostileCorpusIT read these lines.
Run it again after changing BASE or CASES: `python3 reconciler/src/test/scripts/make-hostile-corpus.py`.
"""
import os, pathlib, shutil

OUT = pathlib.Path(__file__).resolve().parents[1] / "resources" / "desired" / "hostile"

# Line 1 of each file is the expect comment, so BASE's first line is line 2.
BASE = """version: 1
cluster: main
peers:
  - name: node1
    host: 10.0.0.11
    port: 5432
    role: primary
  - name: node2
    host: db2.example.com
    port: 5432
    role: replica
  - name: node3
    host: "fd00::13"
    role: replica
postgres:
  bin: /usr/lib/postgresql/15/bin
  data: /var/lib/postgresql/15/main
  config: /etc/postgresql/15/main
  user: postgres
  initdb: [--data-checksums, --encoding=UTF8]
  socket_directory: /var/run/postgresql
  settings:
    listen_addresses: '*'
    wal_level: replica
    max_wal_senders: 5
    log_line_prefix: '%m [%p] '
  hba:
    - local all postgres peer
    - host all all 10.0.0.0/24 scram-sha-256
    - host replication replicator peers scram-sha-256
  ssl:
    cert_file: /etc/ssl/pg/server.crt
    key_file: /etc/ssl/pg/server.key
    ca_file: /etc/ssl/pg/ca.crt
roles:
  - name: replicator
    login: true
    replication: true
    password_file: /etc/pgconverge/replicator.password
  - name: app
    login: true
    connection_limit: 20
    password_file: /etc/pgconverge/app.password
replication:
  user: replicator
  password_file: /etc/pgconverge/replicator.password
  slots: true
policy:
  restart: window
  window:
    cron: "0 0 3 ? * SUN"
    duration: 1h
schedule:
  every: 30s
  jitter: 5s
"""
LINES = BASE.splitlines()


def line_of(prefix, nth=1):
    """The file line (1-based, counting the expect line) of the nth BASE line starting with prefix."""
    seen = 0
    for i, l in enumerate(LINES):
        if l.strip().startswith(prefix):
            seen += 1
            if seen == nth:
                return i + 2
    raise KeyError(prefix)


def replace(prefix, new, nth=1):
    """BASE with the line starting with prefix (stripped) replaced by new (indent kept)."""
    n = line_of(prefix, nth)
    lines = list(LINES)
    old = lines[n - 2]
    indent = old[: len(old) - len(old.lstrip())]
    lines[n - 2] = indent + new
    return lines, n


def insert_after(prefix, new_lines, nth=1):
    n = line_of(prefix, nth)
    lines = list(LINES)
    lines[n - 1 : n - 1] = new_lines
    return lines, n + 1


CASES = {}  # name -> (text lines or bytes, expected line, field)


def case(name, field, prefix, new, nth=1):
    lines, n = replace(prefix, new, nth)
    CASES[name] = (lines, n, field)


def case_drop(name, field, prefix, new, drop):
    """replace(), and drop the drop lines after it (the children the new value replaces)."""
    lines, n = replace(prefix, new)
    del lines[n - 1 : n - 1 + drop]
    CASES[name] = (lines, n, field)


def case_at(name, field, lines, n):
    CASES[name] = (lines, n, field)


# ---------------------------------------------------------------- syntax
case("syntax-unclosed-double-quote", "-", "host: db2", 'host: "db2.example.com')
case("syntax-unclosed-single-quote", "-", "- host all all", "- 'host all all 10.0.0.0/24 scram-sha-256")
case("syntax-tab-indent", "-", "wal_level:", "\twal_level: replica")
case("syntax-bad-indent", "-", "max_wal_senders:", "   max_wal_senders: 5")
case("syntax-unclosed-flow-sequence", "-", "initdb:", "initdb: [--data-checksums, --encoding=UTF8")
case("syntax-unclosed-flow-mapping", "-", "listen_addresses:", "listen_addresses: {a: b")
case("syntax-mapping-value-in-plain", "-", "wal_level:", "wal_level: replica: logical")
case("syntax-missing-colon", "-", "max_wal_senders:", "max_wal_senders 5")
case("syntax-at-sign", "-", "host: db2", "host: @db2")
case("syntax-backtick", "-", "host: db2", "host: `db2`")
case("syntax-directive-midfile", "-", "replication:", "%YAML 1.2")
case("syntax-bad-escape", "-", "host: db2", 'host: "db2\\q.example.com"')
case("syntax-tag-unknown", "peers[1].host", "host: db2", "host: !!binary ZGIy")
case("syntax-anchor-no-name", "-", "host: db2", "host: & db2")
case_at("syntax-second-document", "-", LINES[:44] + ["---", "version: 1"] + LINES[44:], 46)
case_at("syntax-root-is-list", "-", ["- " + l for l in LINES[:1]] + ["- x"], 2)
case_at("syntax-root-is-scalar", "-", ["just a string"], 2)
case_at("syntax-empty", "-", [], 1)
lines, n = insert_after("cluster:", ["cluster: other"])
case_at("syntax-duplicate-key", "cluster", lines, n)
case("syntax-duplicate-setting", "postgres.settings.wal_level", "max_wal_senders:", "wal_level: logical")
lines, n = replace("user: postgres", "user: *c")
lines[1] = "cluster: &c main"
case_at("syntax-alias", "postgres.user", lines, n)
case("syntax-block-scalar-bad", "-", "host: db2", "host: |x")
case("syntax-unclosed-quote-in-key", "-", "cluster:", '"cluster: main')
# ---------------------------------------------------------------- types and ranges
case("type-version-word", "version", "version:", "version: one")
case("type-version-2", "version", "version:", "version: 2")
case("type-cluster-list", "cluster", "cluster:", "cluster: [a, b]")
case("type-cluster-empty", "cluster", "cluster:", "cluster: ''")
case_drop("type-peers-mapping", "peers", "peers:", "peers: {}", 11)
case("type-port-word", "peers[0].port", "port: 5432", "port: abc")
case("type-port-high", "peers[0].port", "port: 5432", "port: 70000")
case("type-port-zero", "peers[1].port", "port: 5432", "port: 0", 2)
case("type-port-float", "peers[0].port", "port: 5432", "port: 54.32")
case("type-port-hex", "peers[0].port", "port: 5432", "port: 0x1538")
case("type-port-huge", "peers[0].port", "port: 5432", "port: 99999999999999999999999")
case("type-role-unknown", "peers[1].role", "role: replica", "role: standby")
case("type-role-number", "peers[0].role", "role: primary", "role: 1")
case("type-user-list", "postgres.user", "user: postgres", "user: [postgres]")
case_drop("type-settings-list", "postgres.settings", "settings:", "settings: [wal_level]", 4)
case("type-setting-mapping", "postgres.settings.wal_level", "wal_level:", "wal_level: {a: b}")
case("type-setting-null", "postgres.settings.wal_level", "wal_level:", "wal_level:")
case("type-setting-bad-name", "postgres.settings.Wal-Level", "wal_level:", "Wal-Level: replica")
case("type-hba-string", "postgres.hba", "hba:", "hba: local all postgres peer")
case("type-hba-item-mapping", "postgres.hba[1]", "- host all all", "- {host: all}")
case("type-hba-bad-method", "postgres.hba[1]", "- host all all", "- host all all 10.0.0.0/24 trusted")
case("type-hba-bad-cidr", "postgres.hba[1]", "- host all all", "- host all all 10.0.0.0/33 scram-sha-256")
case_drop("type-roles-mapping", "roles", "roles:", "roles: {name: app}", 8)
case("type-login-maybe", "roles[1].login", "login: true", "login: maybe", 2)
case("type-connection-limit-low", "roles[1].connection_limit", "connection_limit:", "connection_limit: -5")
case("type-connection-limit-word", "roles[1].connection_limit", "connection_limit:", "connection_limit: lots")
case("type-slots-perhaps", "replication.slots", "slots:", "slots: perhaps")
case("type-restart-sometimes", "policy.restart", "restart:", "restart: sometimes")
case("type-window-short", "policy.window.duration", "duration:", "duration: 30s")
case("type-window-cron-bad", "policy.window.cron", "cron:", 'cron: "every sunday"')
case("type-every-zero", "schedule.every", "every:", "every: 0s")
case("type-jitter-long", "schedule.jitter", "jitter:", "jitter: 1h")
case("type-initdb-mapping", "postgres.initdb", "initdb:", "initdb: {a: b}")
case_drop("type-ssl-list", "postgres.ssl", "ssl:", "ssl: [a]", 3)
# ---------------------------------------------------------------- keys and cross-section rules
case("key-unknown-top", "clustr", "cluster:", "clustr: main")
case("key-unknown-peer", "peers[1].hots", "host: db2", "hots: db2.example.com")
case("key-password-inline", "roles[1].password", "connection_limit:", "password: Hostile-Inline-Secret-0815")
lines, n = replace("data:", "# data: gone")
case_at("key-missing-data", "postgres.data", lines, line_of("postgres:"))
lines, n = replace("ca_file:", "# ca_file: gone")
case_at("key-missing-ca", "postgres.ssl.ca_file", lines, line_of("ssl:"))
case("key-missing-version", "version", "version:", "# version: gone")
case("rule-two-primaries", "peers[1].role", "role: replica", "role: primary")
lines, n = insert_after("cluster:", ["self: node9"])
case_at("rule-self-not-a-peer", "self", lines, n)
case("rule-duplicate-peer-name", "peers[1].name", "- name: node2", "- name: node1")
case("rule-duplicate-role", "roles[1].name", "- name: app", "- name: replicator")
case("rule-replication-user-not-a-role", "replication.user", "user: replicator", "user: nobody")
case("rule-hba-locks-out", "postgres.hba[0]", "- local all postgres", "- local all postgres md5")
case("rule-owned-setting-port", "postgres.settings.port", "max_wal_senders:", "port: 5433")
case("rule-owned-setting-conninfo", "postgres.settings.primary_conninfo", "max_wal_senders:", "primary_conninfo: 'host=evil'")
case("rule-owned-setting-hba-file", "postgres.settings.hba_file", "max_wal_senders:", "hba_file: /tmp/evil_hba.conf")
case("rule-owned-setting-sockets", "postgres.settings.unix_socket_directories", "max_wal_senders:", "unix_socket_directories: /tmp")
case("rule-duplicate-host-port", "peers[1].host", "host: db2", "host: 10.0.0.11")
case("rule-slot-names-collide", "peers[2].name", "- name: node3", "- name: NODE2")
# ---------------------------------------------------------------- injection: peer host (pg_hba.conf, primary_conninfo)
for name, value in [
    ("newline-trust-line", '"127.0.0.2\\nhost all all 0.0.0.0/0 trust"'),
    ("space-trust", '"db2.example.com trust"'),
    ("hash", '"db2.example.com#x"'),
    ("comma", '"db2.example.com,0.0.0.0/0"'),
    ("equals", '"host=evil.example.com"'),
    ("leading-dash", '"-hevil"'),
    ("single-quotes", "\"'db2.example.com'\""),
    ("double-quote", '"db2\\"x"'),
    ("tab", '"db2\\tx"'),
    ("carriage-return", '"db2\\rhost all all 0.0.0.0/0 trust"'),
    ("nul", '"db2\\0"'),
    ("escape", '"db2\\e[31m"'),
    ("bad-ipv4", "999.1.1.1"),
    ("short-ipv4", "10.0.0"),
    ("bad-ipv6", '"fd00::1::2"'),
    ("ipv6-zone", '"fe80::1%eth0"'),
    ("cidr", "0.0.0.0/0"),
    ("underscore", "db_2.example.com"),
    ("label-leading-dash", "-db2.example.com"),
    ("label-64", "a" * 64 + ".example.com"),
    ("name-254", ".".join(["a" * 62] * 4) + ".ab"),
    ("empty-label", "db2..example.com"),
    ("homoglyph", "db2.ex\u0430mple.com"),
    ("url", '"postgres://db2.example.com"'),
    ("backslash", '"db2\\\\x"'),
    ("all-keyword-space", '"samenet all"'),
]:
    case("inject-host-" + name, "peers[1].host", "host: db2", "host: " + value)
# ---------------------------------------------------------------- injection: names
for name, value in [
    ("newline", '"node2\\nhost all all 0.0.0.0/0 trust"'),
    ("space", '"node 2"'),
    ("leading-dash", '"-node2"'),
    ("quote", "\"node2'\""),
    ("long", "n" * 60),
]:
    case("inject-peer-name-" + name, "peers[1].name", "- name: node2", "- name: " + value)
lines, n = insert_after("cluster:", ['self: "node1\\n"'])
case_at("inject-self-newline", "self", lines, n)
case("inject-cluster-newline", "cluster", "cluster:", "cluster: \"main\\nlisten_addresses = '*'\"")
case("inject-cluster-long", "cluster", "cluster:", "cluster: " + "c" * 64)
case("inject-cluster-nonascii", "cluster", "cluster:", "cluster: h\u00e4uptling")
# ---------------------------------------------------------------- injection: paths
for field, prefix, values in [
    ("postgres.data", "data:", [
        ("root", "/"), ("etc", "/etc"), ("var", "/var"), ("tmp", "/tmp"), ("home", "/home"), ("usr", "/usr"),
        ("relative", "var/lib/postgresql/15/main"), ("trailing-slash", "/var/lib/postgresql/15/main/"),
        ("dotdot", "/var/lib/../lib/postgresql"), ("double-slash", "/var//lib/postgresql"),
        ("pgconverge-etc", "/etc/pgconverge"), ("inside-pgconverge-etc", "/etc/pgconverge/data"),
        ("newline", '"/var/lib/pg\\ndata_directory = \'/\'"'), ("quote", "\"/var/lib/pg'x\""),
        ("dotdot-to-root", "/var/lib/../.."), ("dot", "/var/lib/./postgresql")]),
    ("postgres.config", "config:", [
        ("etc", "/etc"), ("root", "/"), ("inside-pgconverge-etc", "/etc/pgconverge/conf"),
        ("relative", "etc/postgresql/15/main"), ("dot", "/etc/postgresql/15/main/./x"), ("boot", "/boot")]),
    ("postgres.bin", "bin:", [
        ("relative", "bin"), ("newline", '"/usr/lib/postgresql/15/bin\\n"'),
        ("dotdot", "/usr/lib/postgresql/15/bin/../../../../bin"), ("quote", "\"/usr/lib/post'gres\"")]),
    ("postgres.socket_directory", "socket_directory:", [
        ("comma", "/var/run/postgresql,/tmp"), ("space", '"/var/run/postgre sql"'), ("relative", "run/postgresql"),
        ("too-long", "/var/run/" + "s" * 90), ("quote", "\"/var/run/pg'x\""), ("newline", '"/var/run/pg\\n"')]),
    ("postgres.ssl.cert_file", "cert_file:", [("relative", "server.crt"), ("quote", "\"/etc/ssl/pg/x'.crt\"")]),
    ("postgres.ssl.key_file", "key_file:", [("newline", '"/etc/ssl/pg/server.key\\nssl = off"')]),
    ("postgres.ssl.ca_file", "ca_file:", [("dotdot", "/etc/ssl/pg/../../shadow")]),
    ("roles[0].password_file", "password_file: /etc/pgconverge/replicator", [
        ("relative", "replicator.password"), ("nul", '"/etc/pgconverge/replicator.password\\0"'),
        ("dotdot", "/etc/pgconverge/../shadow")]),
    ("replication.password_file", "password_file: /etc/pgconverge/replicator", [("relative", "pw")]),
]:
    for name, value in values:
        nth = 2 if field == "replication.password_file" else 1
        key = prefix.split(":")[0] if field.endswith("password_file") else prefix.rstrip(":")
        new = key + ": " + value
        case("inject-" + field.replace("postgres.", "").replace(".", "-").replace("[0]", "") + "-" + name,
             field, prefix, new, nth)
# ---------------------------------------------------------------- injection: postgres.user (argv, SQL)
for name, value in [
    ("root", "root"), ("newline", '"postgres\\n"'), ("leading-dash", '"-postgres"'), ("pg-prefix", "pg_monitor"),
    ("space", '"post gres"'), ("public", "public"), ("long", "p" * 40), ("semicolon", '"postgres;rm -rf /"')]:
    case("inject-user-" + name, "postgres.user", "user: postgres", "user: " + value)
# ---------------------------------------------------------------- injection: initdb (argv)
for name, value in [
    ("D", "[-D, /other]"), ("pgdata", "[--pgdata=/other]"), ("U", "[-U, admin]"), ("username", "[--username=admin]"),
    ("A", "[-A, trust]"), ("auth", "[--auth=trust]"), ("auth-local", "[--auth-local=trust]"),
    ("auth-host", "[--auth-host=trust]"), ("X", "[-X, /wal]"), ("waldir", "[--waldir=/wal]"),
    ("pwfile", "[--pwfile=/etc/shadow]"), ("W", "[-W]"), ("pwprompt", "[--pwprompt]"), ("c", "['-c', 'fsync=off']"),
    ("set", "[--set=fsync=off]"), ("positional", "[/other/data]"), ("bundled", "[-kN]"),
    ("newline", '["--locale=C\\n"]'), ("show", "[--show]"), ("no-clean", "[-n]")]:
    case("inject-initdb-" + name, "postgres.initdb[0]", "initdb:", "initdb: " + value)
# ---------------------------------------------------------------- injection: settings (postgresql.conf)
for name, key, value in [
    ("include", "include", "'/etc/evil.conf'"), ("include-dir", "include_dir", "'/etc/evil.d'"),
    ("include-if-exists", "include_if_exists", "'/tmp/evil.conf'"),
    ("newline", "wal_level", "\"replica\\nfsync = off\""), ("cr", "wal_level", '"replica\\rfsync = off"'),
    ("nul", "wal_level", '"replica\\0"'), ("escape", "log_line_prefix", '"%m \\e[2J"')]:
    where = key + ":" if key in ("wal_level", "log_line_prefix") else "max_wal_senders:"
    case("inject-setting-" + name, "postgres.settings." + key, where, key + ": " + value)
# ---------------------------------------------------------------- injection: hba lines
case("inject-hba-newline", "postgres.hba[1]", "- host all all", '- "host all all 10.0.0.0/24 scram-sha-256\\nhost all all 0.0.0.0/0 trust"')
case("inject-hba-cr", "postgres.hba[1]", "- host all all", '- "host all all 10.0.0.0/24 scram-sha-256\\rhost all all 0.0.0.0/0 trust"')
case("inject-hba-nul", "postgres.hba[1]", "- host all all", '- "host all all 10.0.0.0/24 scram-sha-256\\0"')
lines, n = replace("- host all all", "- |")
lines[n - 1 : n - 1] = ["      host all all 10.0.0.0/24 scram-sha-256", "      host all all 0.0.0.0/0 trust"]
case_at("inject-hba-block-scalar", "postgres.hba[1]", lines, n)
case("inject-hba-include-dir", "postgres.hba[1]", "- host all all", "- include_dir /etc/evil")
# ---------------------------------------------------------------- injection: role names (SQL)
for name, value in [
    ("long-ascii", "r" * 64), ("long-utf8", "\u00e9" * 32), ("pg-prefix", "pg_admin"), ("public", "public"),
    ("none", "none"), ("current-user", "current_user"), ("session-user", "session_user"),
    ("current-role", "current_role"), ("newline", '"app\\nx"'), ("bell", '"app\\a"'), ("sql", '"app\\"; DROP ROLE postgres; --\\n"')]:
    case("inject-role-" + name, "roles[1].name", "- name: app", "- name: " + value)
for name, value in [("pg-prefix", "pg_repl"), ("newline", '"replicator\\n"'), ("long", "r" * 64), ("public", "public")]:
    case("inject-replication-user-" + name, "replication.user", "user: replicator", "user: " + value)
case("inject-schedule-cron-newline", "schedule.cron", "jitter:", 'cron: "0 * * * * ?\\n"')
# ---------------------------------------------------------------- size and nesting bombs
case("bomb-200k-line", "-", "host: db2", "host: " + "a" * 200_000)
lines, n = replace("host: db2", 'host: "' + "a" * 8000)
lines[n - 1 : n - 1] = ["      " + "a" * 8000] * 24 + ['      a"']
case_at("bomb-200k-scalar-over-lines", "peers[1].host", lines, n)
case("bomb-10m-scalar", "-", "host: db2", "host: " + "a" * 10_000_000)
case("bomb-long-key", "postgres.settings", "max_wal_senders:", "k" * 300 + ": 1")
def flow_bomb(name, opener, middle, closer):
    """cluster: nested 10,000 deep in flow style, 1,000 characters a line (a line is at most 16 KiB)."""
    text = opener * 10_000 + middle + closer * 10_000
    chunks = [text[i : i + 1000] for i in range(0, len(text), 1000)]
    lines, n = replace("cluster:", "cluster: " + chunks[0])
    lines[n - 1 : n - 1] = ["  " + c for c in chunks[1:]]
    case_at(name, "cluster", lines, n)

flow_bomb("bomb-deep-flow-list", "[", "", "]")
flow_bomb("bomb-deep-flow-map", "{a: ", "1", "}")
deep = ["  " * i + "a:" for i in range(1, 400)]
case_at("bomb-deep-block", "policy", LINES[:48] + ["policy:"] + deep + ["  " * 400 + "b: 1"], 50 + 15)
laughs = ['lol0: &l0 "lol"'] + ["lol%d: &l%d [%s]" % (i, i, ", ".join(["*l%d" % (i - 1)] * 10)) for i in range(1, 10)]
case_at("bomb-billion-laughs", "lol1", LINES[:2] + laughs + LINES[2:], 5)
many = ["extra: &x [1]", "many:"] + ["  - *x"] * 50_000
case_at("bomb-many-aliases", "many", LINES + many, len(LINES) + 4)
case_at("bomb-over-1mib", "-", LINES[:20] + ["# " + "x" * 1_100_000] + LINES[20:], 22)
case_at("bomb-many-duplicate-keys", "cluster", LINES[:2] + ["cluster: c%d" % i for i in range(20_000)] + LINES[2:], 4)

# ---------------------------------------------------------------- encodings (bytes; sidecar expectations)
def text_of(lines):
    return "\n".join(lines) + "\n"

BYTES = {}
base_bytes = text_of(["# a valid desired state in the wrong encoding"] + LINES).encode()
BYTES["enc-utf16le-bom"] = (b"\xff\xfe" + text_of(["#"] + LINES).encode("utf-16-le"), 1, "-")
BYTES["enc-utf16be-bom"] = (b"\xfe\xff" + text_of(["#"] + LINES).encode("utf-16-be"), 1, "-")
BYTES["enc-utf16le-nobom"] = (text_of(["#"] + LINES).encode("utf-16-le"), 1, "-")
BYTES["enc-utf32-bom"] = (text_of(["#"] + LINES).encode("utf-32"), 1, "-")
lines, n = replace("port: 5432", "port: 70000")
BYTES["enc-utf8-bom-then-bad-port"] = (b"\xef\xbb\xbf" + text_of(["# a UTF-8 BOM is fine; the port is not"] + lines).encode(), n, "peers[0].port")


def with_bytes(prefix, raw, nth=1):
    """BASE with raw bytes inserted at the end of the line starting with prefix."""
    n = line_of(prefix, nth)
    lines = [l.encode() for l in ["# bytes"] + LINES]
    lines[n - 1] = lines[n - 1] + raw
    return b"\n".join(lines) + b"\n", n

for name, prefix, raw in [
    ("invalid-ff-in-host", "host: db2", b"\xff"), ("overlong-slash", "user: postgres", b"\xc0\xaf"),
    ("lone-continuation", "wal_level:", b"\x80"), ("latin1-e-acute", "cluster:", b" # caf\xe9"),
    ("surrogate", "host: \"fd00", b"\xed\xa0\x80"), ("truncated-sequence", "jitter:", b" # \xe2\x82"),
    ("raw-nul", "data:", b"\x00"), ("raw-escape", "socket_directory:", b"\x1b[2J"), ("raw-del", "bin:", b"\x7f"),
    ("raw-bell-in-hba", "- host all all", b"\x07"), ("bom-mid-file", "- name: node2", "\ufeff".encode())]:
    data, n = with_bytes(prefix, raw)
    BYTES["enc-" + name] = (data, n, "-")


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    for name, (lines, n, field) in CASES.items():
        (OUT / (name + ".yaml")).write_text(text_of(["# expect: %d %s" % (n, field)] + lines), encoding="utf-8")
    for name, (data, n, field) in BYTES.items():
        (OUT / (name + ".yaml")).write_bytes(data)
        (OUT / (name + ".yaml.expect")).write_text("# expect: %d %s\n" % (n, field))
    (OUT.parent / "hostile-base.yaml").write_text(text_of(["# the valid file every hostile/ case is one defect away from"] + LINES))
    print(len(CASES) + len(BYTES), "files in", OUT)


main()
