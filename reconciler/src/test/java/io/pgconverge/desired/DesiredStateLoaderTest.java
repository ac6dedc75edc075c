package io.pgconverge.desired;

import static io.pgconverge.desired.DesiredStateFixtures.problems;
import static io.pgconverge.desired.DesiredStateFixtures.text;
import static io.pgconverge.desired.DesiredStateFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.pg.HbaSyntaxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader's rules on fixtures. hba lines go through {@link SplittingHbaParser} here, so these
 * tests hold whatever state the real hba parser is in; {@link DesiredStateHbaValidationTest} covers
 * the real parser's part.
 */
class DesiredStateLoaderTest {

  private static LoadResult fixture(String name) {
    return DesiredStateFixtures.parse(text(name), name, SplittingHbaParser.INSTANCE);
  }

  /** {@code minimal.yaml} with one piece of text replaced, for a variation on a valid file. */
  private static LoadResult minimalWith(String target, String replacement) {
    String yaml = text("minimal.yaml");
    assertThat(yaml).contains(target);
    return DesiredStateFixtures.parse(
        yaml.replace(target, replacement), "desired-state.yaml", SplittingHbaParser.INSTANCE);
  }

  private static LoadResult yaml(String yaml) {
    return DesiredStateFixtures.parse(yaml, "desired-state.yaml", SplittingHbaParser.INSTANCE);
  }

  // --- valid files and defaults

  @Test
  void defaultsConfigToDataAndUserToPostgres() {
    DesiredState state = valid(fixture("minimal.yaml"));

    PostgresSpec pg = state.postgres();
    assertThat(pg.config()).isEqualTo(Path.of("/var/lib/postgresql/15/main"));
    assertThat(pg.config()).isEqualTo(pg.data());
    assertThat(pg.separateConfig()).isFalse();
    assertThat(pg.user()).isEqualTo("postgres");
    assertThat(pg.bin()).isEmpty();
    assertThat(pg.initdbArgs()).isEmpty();
    assertThat(pg.settings()).isEmpty();
    assertThat(pg.socketDirectory()).isEqualTo(Path.of("/var/run/postgresql"));
    assertThat(pg.hba()).containsExactly(new HbaLineSpec(0, "local all postgres peer"));
  }

  @Test
  void defaultsSelfPortPolicyRolesAndReplication() {
    DesiredState state = valid(fixture("minimal.yaml"));

    assertThat(state.source()).isEqualTo(Path.of("/etc/pgconverge/minimal.yaml"));
    assertThat(state.version()).isEqualTo(1);
    assertThat(state.cluster()).isEqualTo("main");
    assertThat(state.self()).isEqualTo("node1");
    assertThat(state.peers()).containsExactly(new Peer("node1", "10.0.0.11", 5432, PeerRole.PRIMARY));
    assertThat(state.port()).isEqualTo(5432);
    assertThat(state.policy()).isEqualTo(Policy.DEFAULT);
    assertThat(state.roles()).isEmpty();
    assertThat(state.replication()).isEmpty();
  }

  @Test
  void bindsEveryFieldOfAFullFile() {
    DesiredState state = valid(fixture("full.yaml"));

    assertThat(state.self()).isEqualTo("node2");
    assertThat(state.selfPeer()).isEqualTo(new Peer("node2", "10.0.0.12", 5433, PeerRole.REPLICA));
    assertThat(state.primary().name()).isEqualTo("node1");
    assertThat(state.port()).isEqualTo(5433);
    PostgresSpec pg = state.postgres();
    assertThat(pg.bin()).contains(Path.of("/usr/lib/postgresql/15/bin"));
    assertThat(pg.config()).isEqualTo(Path.of("/etc/postgresql/15/main"));
    assertThat(pg.separateConfig()).isTrue();
    assertThat(pg.user()).isEqualTo("dba");
    assertThat(pg.initdbArgs()).containsExactly("--data-checksums", "--encoding=UTF8");
    assertThat(pg.socketDirectory()).isEqualTo(Path.of("/run/postgresql"));
    assertThat(pg.hba())
        .extracting(HbaLineSpec::text)
        .containsExactly(
            "local all dba peer",
            "host all all 10.0.0.0/24 scram-sha-256",
            "host replication replicator peers scram-sha-256");
    assertThat(state.roles())
        .containsExactly(
            new RoleSpec(
                0,
                "replicator",
                Optional.of(true),
                Optional.of(true),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.of(Path.of("/etc/pgconverge/replicator.password"))),
            new RoleSpec(
                1,
                "app",
                Optional.of(true),
                Optional.empty(),
                Optional.of(false),
                Optional.of(true),
                Optional.of(false),
                Optional.of(-1),
                Optional.empty()));
    assertThat(state.replication())
        .contains(
            new ReplicationSpec("replicator", Path.of("/etc/pgconverge/replicator.password"), false));
    assertThat(state.policy().restart()).isEqualTo(RestartPolicy.ALWAYS);
  }

  @Test
  void keepsSettingValuesAsWritten() {
    DesiredState state = valid(fixture("settings-as-written.yaml"));

    assertThat(state.postgres().settings())
        .containsExactly(
            Map.entry("wal_log_hints", "on"),
            Map.entry("hot_standby", "on"),
            Map.entry("fsync", "true"),
            Map.entry("jit", "off"),
            Map.entry("wal_keep_size", "152MB"),
            Map.entry("max_wal_senders", "3"),
            Map.entry("random_page_cost", "1.1"),
            Map.entry("listen_addresses", "*"),
            Map.entry("log_line_prefix", "%m [%p] "),
            Map.entry("timezone", "UTC"));
  }

  @Test
  void acceptsCustomSettingNamesWithOneDot() {
    DesiredState state = valid(fixture("full.yaml"));

    assertThat(state.postgres().settings())
        .containsEntry("auto_explain.log_min_duration", "250ms")
        .containsEntry("search_path", "\"$user\", public")
        .containsEntry("checkpoint_completion_target", "0.9")
        .containsEntry("enable_partitionwise_join", "on");
  }

  @Test
  void recordsWhereEveryFieldWasWritten() {
    DesiredState state = valid(fixture("full.yaml"));

    assertThat(state.where("postgres.settings.wal_level"))
        .isEqualTo("postgres.settings.wal_level (full.yaml:21:16)");
    Locations at = state.locations();
    assertThat(at.of("version")).contains(new SourceLocation(Path.of("/etc/pgconverge/full.yaml"), 1, 10));
    assertThat(at.of("peers").map(SourceLocation::line)).contains(4);
    assertThat(at.of("peers[1]").map(SourceLocation::line)).contains(9);
    assertThat(at.of("peers[1].port").map(l -> l.line() + ":" + l.column())).contains("11:11");
    assertThat(at.of("postgres").map(l -> l.line() + ":" + l.column())).contains("13:1");
    assertThat(at.of("postgres.settings").map(l -> l.line() + ":" + l.column())).contains("19:3");
    assertThat(at.of("postgres.hba[1]").map(l -> l.line() + ":" + l.column())).contains("32:7");
    assertThat(at.of("roles[1].connection_limit").map(SourceLocation::line)).contains(45);
    assertThat(at.of("replication.slots").map(SourceLocation::line)).contains(49);
    assertThat(at.of("policy.restart").map(SourceLocation::line)).contains(51);
    assertThat(at.of("self")).isPresent();
  }

  @Test
  void acceptsYamlBooleanWordsForRoleAttributes() {
    DesiredState state =
        valid(
            minimalWith(
                "postgres:",
                "roles:\n  - name: a\n    login: yes\n    createdb: no\n    superuser: On\n    createrole: OFF\npostgres:"));

    RoleSpec role = state.roles().get(0);
    assertThat(role.login()).contains(true);
    assertThat(role.createdb()).contains(false);
    assertThat(role.superuser()).contains(true);
    assertThat(role.createrole()).contains(false);
    assertThat(role.replication()).isEmpty();
  }

  // --- problems: where and what

  @Test
  void reportsPortOutOfRangeWithFileLineAndColumn() {
    assertThat(problems(fixture("port-out-of-range.yaml")))
        .containsExactly(
            "/etc/pgconverge/port-out-of-range.yaml:14:11: peers[2].port: must be 1-65535, got 70000");
  }

  @Test
  void reportsEveryProblemNotJustTheFirst() {
    assertThat(problems(fixture("many-problems.yaml")))
        .containsExactly(
            "/etc/pgconverge/many-problems.yaml:1:1: cluster: required key \"cluster\" is missing",
            "/etc/pgconverge/many-problems.yaml:2:1: clustr: unknown key \"clustr\"; did you mean \"cluster\"?",
            "/etc/pgconverge/many-problems.yaml:6:11: peers[0].port: must be a number, got a list",
            "/etc/pgconverge/many-problems.yaml:8:11: peers[1].name: must be letters, digits, '_', '.' and '-' only, got \"node 2\"",
            "/etc/pgconverge/many-problems.yaml:10:11: peers[1].role: must be primary or replica, got \"master\"",
            "/etc/pgconverge/many-problems.yaml:12:9: postgres.data: must be an absolute path (starting with /), got \"var/lib/postgresql/15/main\"",
            "/etc/pgconverge/many-problems.yaml:14:5: postgres.settings.port: pgconverge sets port itself, from this host's peers[0].port; remove it here",
            "/etc/pgconverge/many-problems.yaml:15:31: postgres.settings.shared_preload_libraries: must be a single value, got a list",
            "/etc/pgconverge/many-problems.yaml:20:12: roles[0].login: must be true or false, got \"maybe\"",
            "/etc/pgconverge/many-problems.yaml:22:12: policy.restart: must be never, always or window, got \"sometimes\"");
  }

  @Test
  void rejectsTwoPrimariesNamingTheFirst() {
    assertThat(problems(fixture("two-primaries.yaml")))
        .containsExactly(
            "/etc/pgconverge/two-primaries.yaml:12:11: peers[2].role: a second primary: peers[0] (node1) is already the primary, and exactly one peer may be");
  }

  @Test
  void rejectsClusterWithoutPrimary() {
    assertThat(problems(minimalWith("role: primary", "role: replica")))
        .contains("/etc/pgconverge/desired-state.yaml:4:1: peers: no peer has role primary; exactly one must");
  }

  @Test
  void rejectsUnknownKeysAndSuggestsTheNearestKnownOne() {
    assertThat(problems(minimalWith("  data:", "  setings: {}\n  frobnicate: 1\n  data:")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:9:3: postgres.setings: unknown key \"setings\"; did you mean \"settings\"?",
            "/etc/pgconverge/desired-state.yaml:10:3: postgres.frobnicate: unknown key \"frobnicate\"");
    assertThat(problems(minimalWith("    role: primary", "    role: primary\n    hots: x")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:8:5: peers[0].hots: unknown key \"hots\"; did you mean \"host\"?");
  }

  @Test
  void rejectsDuplicateKeys() {
    assertThat(problems(minimalWith("cluster: main", "cluster: main\ncluster: other")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:4:1: cluster: duplicate key \"cluster\"; it is already set on line 3");
  }

  @Test
  void reportsBrokenYamlAsOneProblemAtTheParsersPlace() {
    assertThat(problems(yaml("version: 1\ncluster: main: x\n")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:2:14: not valid YAML: mapping values are not allowed here");
    assertThat(problems(yaml("version: 1\npeers: [a,\n"))).hasSize(1);
  }

  @Test
  void rejectsEmptyFileSecondDocumentAndAliases() {
    assertThat(problems(yaml("")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:1:1: the file holds no YAML document");
    assertThat(problems(yaml("# nothing\n"))).hasSize(1);
    assertThat(problems(yaml("- a\n- b\n")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:1:1: the file must be a mapping with the keys version, cluster, peers and postgres, got a list");
    assertThat(problems(minimalWith("version: 1", "version: 1\n---\nversion: 1")))
        .anyMatch(p -> p.contains("a second YAML document starts here"));
    assertThat(problems(minimalWith("host: 10.0.0.11", "host: &h 10.0.0.11\n    port: *h")))
        .anyMatch(p -> p.contains(":7:11: peers[0].port: aliases (*h) are not supported"));
  }

  @Test
  void requiresVersionClusterPeersAndPostgres() {
    assertThat(problems(yaml("policy:\n  restart: never\n")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:1:1: version: required key \"version\" is missing",
            "/etc/pgconverge/desired-state.yaml:1:1: cluster: required key \"cluster\" is missing",
            "/etc/pgconverge/desired-state.yaml:1:1: peers: required key \"peers\" is missing",
            "/etc/pgconverge/desired-state.yaml:1:1: postgres: required key \"postgres\" is missing");
    assertThat(problems(minimalWith("    host: 10.0.0.11\n", "")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:5:5: peers[0].host: required key \"host\" is missing");
    assertThat(problems(minimalWith("  data: /var/lib/postgresql/15/main\n", "")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:8:1: postgres.data: required key \"data\" is missing");
  }

  @Test
  void acceptsOnlyVersionOne() {
    assertThat(problems(minimalWith("version: 1", "version: 2")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:2:10: version: unsupported version 2; this pgconverge reads version 1");
    assertThat(problems(minimalWith("version: 1", "version: '1'")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:2:10: version: must be the number 1, got \"1\"");
  }

  @Test
  void rejectsSelfThatIsNotAPeerAtSelf() {
    assertThat(problems(minimalWith("peers:", "self: node9\npeers:")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:4:7: self: \"node9\" is not one of the peers: node1");
  }

  @Test
  void rejectsDefaultedSelfAtPeersListingTheNames() {
    LoadResult result =
        DesiredStateLoader.parse(
            text("full.yaml").replace("self: node2\n", ""),
            Path.of("desired-state.yaml"),
            "db7.example.com",
            SplittingHbaParser.INSTANCE);

    assertThat(problems(result))
        .containsExactly(
            "desired-state.yaml:3:1: self: not given, and this host's name \"db7.example.com\" is not one of the peers: node1, node2; set self to the name of this host's peer entry");
  }

  @Test
  void rejectsDuplicatePeerNames() {
    String yaml =
        text("two-primaries.yaml")
            .replace("node3", "node1")
            .replace("role: primary\npostgres", "role: replica\npostgres");

    assertThat(problems(yaml(yaml)))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:10:11: peers[2].name: \"node1\" is already the name of peers[0]; peer names must be unique");
  }

  @Test
  void rejectsEmptyPeersAndEmptyHba() {
    assertThat(problems(yaml("version: 1\ncluster: main\npeers: []\npostgres:\n  data: /d\n  hba: []\n")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:3:8: peers: must not be empty",
            "/etc/pgconverge/desired-state.yaml:6:8: postgres.hba: must not be empty");
  }

  @Test
  void namesWhatWasWrittenWhenTheTypeIsWrong() {
    assertThat(problems(minimalWith("host: 10.0.0.11", "host: 10.0.0.11\n    port: [1, 2]")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:7:11: peers[0].port: must be a number, got a list");
    assertThat(problems(minimalWith("host: 10.0.0.11", "host: 10.0.0.11\n    port: '5432'")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:7:11: peers[0].port: must be a number, got \"5432\"");
    assertThat(problems(minimalWith("host: 10.0.0.11", "host: {a: 1}")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:6:11: peers[0].host: must be a string, got a mapping");
    assertThat(problems(minimalWith("cluster: main", "cluster:")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:3:9: cluster: must be a string, got nothing");
    assertThat(problems(minimalWith("postgres:", "roles:\n  - name: a\n    login: 'yes'\npostgres:")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:10:12: roles[0].login: must be true or false, got \"yes\"");
    assertThat(problems(minimalWith("postgres:", "roles: {name: a}\npostgres:")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:8:8: roles: must be a list, got a mapping");
  }

  @Test
  void rejectsRelativePaths() {
    assertThat(problems(minimalWith("  data:", "  config: etc/pg\n  bin: ./bin\n  socket_directory: run\n  data:")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:9:11: postgres.config: must be an absolute path (starting with /), got \"etc/pg\"",
            "/etc/pgconverge/desired-state.yaml:10:8: postgres.bin: must be an absolute path (starting with /), got \"./bin\"",
            "/etc/pgconverge/desired-state.yaml:11:21: postgres.socket_directory: must be an absolute path (starting with /), got \"run\"");
  }

  @Test
  void rejectsInitdbArgumentsThatSetTheDataDirectory() {
    assertThat(problems(minimalWith("  data:", "  initdb: [--data-checksums, -D, --pgdata=/x, -D/y]\n  data:")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:9:30: postgres.initdb[1]: \"-D\" is not allowed here: pgconverge passes the data directory itself, from postgres.data",
            "/etc/pgconverge/desired-state.yaml:9:34: postgres.initdb[2]: \"--pgdata=/x\" is not allowed here: pgconverge passes the data directory itself, from postgres.data",
            "/etc/pgconverge/desired-state.yaml:9:47: postgres.initdb[3]: \"-D/y\" is not allowed here: pgconverge passes the data directory itself, from postgres.data");
    assertThat(valid(minimalWith("  data:", "  initdb: [--locale, C, --encoding=UTF8]\n  data:")).postgres().initdbArgs())
        .containsExactly("--locale", "C", "--encoding=UTF8");
    // -U is pgconverge's too since issue 9: the superuser is postgres.user
    assertThat(problems(minimalWith("  data:", "  initdb: [-U, postgres]\n  data:")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:9:12: postgres.initdb[0]: \"-U\" is not allowed here: pgconverge passes the superuser name itself, from postgres.user",
            "/etc/pgconverge/desired-state.yaml:9:16: postgres.initdb[1]: \"postgres\" is not an option: initdb would take it as the data directory, which pgconverge passes itself from postgres.data (write an option's value as --option=value)");
  }

  @Test
  void rejectsSettingNamesThatCannotBeSettingsAndValuesThatAreNotSingle() {
    assertThat(
            problems(
                minimalWith(
                    "  hba:",
                    "  settings:\n    Work_Mem: 4MB\n    a.b.c: 1\n    shared_preload_libraries: {x: 1}\n    work_mem:\n  hba:")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:11:5: postgres.settings.Work_Mem: not a setting name: use lower-case letters, digits and _ (and one dot for a custom setting such as auto_explain.log_min_duration)",
            "/etc/pgconverge/desired-state.yaml:12:5: postgres.settings.a.b.c: not a setting name: use lower-case letters, digits and _ (and one dot for a custom setting such as auto_explain.log_min_duration)",
            "/etc/pgconverge/desired-state.yaml:13:31: postgres.settings.shared_preload_libraries: must be a single value, got a mapping",
            "/etc/pgconverge/desired-state.yaml:14:14: postgres.settings.work_mem: has no value; write one (use '' for an empty string), or remove the line to leave the server's default");
  }

  @Test
  void rejectsSettingsThatPgconvergeOwnsSayingWhereTheyComeFrom() {
    assertThat(problems(fixture("owned-settings.yaml")))
        .containsExactly(
            "/etc/pgconverge/owned-settings.yaml:10:5: postgres.settings.port: pgconverge sets port itself, from this host's peers[0].port; remove it here",
            "/etc/pgconverge/owned-settings.yaml:11:5: postgres.settings.cluster_name: pgconverge sets cluster_name itself, from cluster; remove it here",
            "/etc/pgconverge/owned-settings.yaml:12:5: postgres.settings.data_directory: pgconverge sets data_directory itself, from postgres.data; remove it here",
            "/etc/pgconverge/owned-settings.yaml:13:5: postgres.settings.config_file: pgconverge sets config_file itself, from postgres.config; remove it here",
            "/etc/pgconverge/owned-settings.yaml:14:5: postgres.settings.hba_file: pgconverge sets hba_file itself, from postgres.config; remove it here",
            "/etc/pgconverge/owned-settings.yaml:15:5: postgres.settings.ident_file: pgconverge sets ident_file itself, from postgres.config; remove it here",
            "/etc/pgconverge/owned-settings.yaml:16:5: postgres.settings.unix_socket_directories: pgconverge sets unix_socket_directories itself, from postgres.socket_directory; remove it here");
  }

  // --- the reconciler must never lock itself out

  @Test
  void refusesHbaThatLocksTheReconcilerOut() {
    assertThat(problems(fixture("locked-out-no-local-line.yaml")))
        .containsExactly(
            "/etc/pgconverge/locked-out-no-local-line.yaml:9:3: postgres.hba: no local line lets \"postgres\" connect with peer authentication: pgconverge talks to its server over the Unix socket as postgres.user and would lock itself out");
  }

  @Test
  void refusesHbaWhoseFirstMatchingLocalLineAsksForAPassword() {
    assertThat(problems(fixture("locked-out-by-password-line.yaml")))
        .containsExactly(
            "/etc/pgconverge/locked-out-by-password-line.yaml:11:7: postgres.hba[1]: no local line lets \"postgres\" connect with peer authentication: pgconverge talks to its server over the Unix socket as postgres.user and would lock itself out (this is the first local line that matches, and it uses scram-sha-256)");
  }

  @Test
  void letsTheReconcilerInByPeerOrTrustForItsOwnUser() {
    valid(minimalWith("local all postgres peer", "local postgres all trust"));
    valid(minimalWith("local all postgres peer", "local sameuser postgres peer"));
    valid(
        minimalWith(
            "  hba:\n    - local all postgres peer",
            "  user: dba\n  hba:\n    - local postgres +dba md5\n    - local all dba peer"));
    assertThat(problems(minimalWith("  hba:\n", "  user: dba\n  hba:\n")))
        .anyMatch(p -> p.contains("no local line lets \"dba\" connect"));
    assertThat(problems(minimalWith("  hba:\n", "  user: dba\n  hba:\n    - local sameuser dba peer\n")))
        .anyMatch(p -> p.contains("no local line lets \"dba\" connect"));
  }

  @Test
  void refusesRoleForPostgresUserWithoutLoginOrSuperuser() {
    assertThat(
            problems(
                minimalWith(
                    "postgres:", "roles:\n  - name: postgres\n    login: false\n    superuser: no\npostgres:")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:10:12: roles[0].login: \"postgres\" is postgres.user, the role pgconverge connects as; with login: false it would lock itself out",
            "/etc/pgconverge/desired-state.yaml:11:16: roles[0].superuser: \"postgres\" is postgres.user, the role pgconverge connects as; with superuser: false it would lock itself out");
    valid(minimalWith("postgres:", "roles:\n  - name: postgres\n    superuser: true\npostgres:"));
  }

  // --- roles, replication, policy

  @Test
  void rejectsDuplicateRolesAndConnectionLimitBelowMinusOne() {
    assertThat(
            problems(
                minimalWith(
                    "postgres:",
                    "roles:\n  - name: app\n    connection_limit: -2\n  - name: app\n    password_file: app.pw\npostgres:")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:10:23: roles[0].connection_limit: must be -1 (no limit) or more, got -2",
            "/etc/pgconverge/desired-state.yaml:11:11: roles[1].name: role \"app\" is already listed as roles[0]; list each role once",
            "/etc/pgconverge/desired-state.yaml:12:20: roles[1].password_file: must be an absolute path (starting with /), got \"app.pw\"");
  }

  @Test
  void requiresReplicationSectionWhenAPeerIsAReplica() {
    assertThat(
            problems(
                minimalWith(
                    "postgres:",
                    "  - name: node2\n    host: 10.0.0.12\n    role: replica\npostgres:")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:10:11: replication: required because peers[1] (node2) is a replica: add a replication section with user and password_file");
  }

  @Test
  void requiresReplicationUserToBeALoginReplicationRole() {
    String replication = "replication:\n  user: replicator\n  password_file: /etc/pw\n";
    assertThat(problems(yaml(text("minimal.yaml") + replication)))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:13:9: replication.user: role \"replicator\" is not listed under roles; list it there with login: true and replication: true");
    assertThat(problems(yaml(text("minimal.yaml") + "roles:\n  - name: replicator\n    login: true\n" + replication)))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:16:9: replication.user: role \"replicator\" (roles[0]) must have replication: true to be the replication user");
    assertThat(problems(yaml(text("minimal.yaml") + "roles:\n  - name: replicator\n" + replication)))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:15:9: replication.user: role \"replicator\" (roles[0]) must have login: true and replication: true to be the replication user");
    assertThat(problems(yaml(text("minimal.yaml") + "replication:\n  user: replicator\n")))
        .contains(
            "/etc/pgconverge/desired-state.yaml:12:1: replication.password_file: required key \"password_file\" is missing");
  }

  @Test
  void defaultsReplicationSlotsToTrue() {
    DesiredState state =
        valid(
            yaml(
                text("minimal.yaml")
                    + "roles:\n  - {name: r, login: true, replication: true}\nreplication:\n  user: r\n  password_file: /etc/pw\n"));

    assertThat(state.replication()).contains(new ReplicationSpec("r", Path.of("/etc/pw"), true));
  }

  @Test
  void acceptsNeverAlwaysOrWindowAsRestartPolicyAndNothingMore() {
    assertThat(valid(yaml(text("minimal.yaml") + "policy:\n  restart: always\n")).policy())
        .isEqualTo(new Policy(RestartPolicy.ALWAYS));
    assertThat(valid(yaml(text("minimal.yaml") + "policy: {}\n")).policy()).isEqualTo(Policy.DEFAULT);
    assertThat(problems(yaml(text("minimal.yaml") + "policy:\n  restart: off\n  schedule: 5m\n")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:13:12: policy.restart: must be never, always or window, got off",
            "/etc/pgconverge/desired-state.yaml:14:3: policy.schedule: unknown key \"schedule\"");
  }

  // --- schedule and maintenance window

  @Test
  void defaultsScheduleToEveryFiveMinutesWithTenPercentJitter() {
    Schedule s = valid(fixture("minimal.yaml")).schedule();

    assertThat(s.every()).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.jitter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.cron()).isEmpty();
  }

  @Test
  void readsEveryAndJitterAsDurations() {
    Schedule s = valid(yaml(text("minimal.yaml") + "schedule: {every: 2s, jitter: 500ms}\n")).schedule();

    assertThat(s).isEqualTo(new Schedule(Duration.ofSeconds(2), Duration.ofMillis(500), Optional.empty()));
    assertThat(valid(yaml(text("minimal.yaml") + "schedule: {every: 1h}\n")).schedule().jitter())
        .isEqualTo(Duration.ofMinutes(6));
  }

  @Test
  void readsAQuartzCronInsteadOfEvery() {
    Schedule s = valid(yaml(text("minimal.yaml") + "schedule: {cron: \"0 */5 * * * ?\", jitter: 30s}\n")).schedule();

    assertThat(s.cron()).contains("0 */5 * * * ?");
    assertThat(s.jitter()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void refusesEveryWithCronBadDurationsAndBadCron() {
    assertThat(problems(yaml(text("minimal.yaml") + "schedule:\n  every: 5m\n  cron: '0 * * * * ?'\n")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:14:9: schedule.cron: give either schedule.every or schedule.cron, not both");
    assertThat(problems(yaml(text("minimal.yaml") + "schedule:\n  every: 5\n  jitter: 1 minute\n")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:13:10: schedule.every: must be a duration such as 30s, 5m or 1h, got 5",
            "/etc/pgconverge/desired-state.yaml:14:11: schedule.jitter: must be a duration such as 30s, 5m or 1h, got \"1 minute\"");
    assertThat(problems(yaml(text("minimal.yaml") + "schedule:\n  every: 500ms\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:13:10: schedule.every: must be at least 1s, got 500ms");
    assertThat(problems(yaml(text("minimal.yaml") + "schedule:\n  every: 10s\n  jitter: 1m\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:14:11: schedule.jitter: must not be longer than schedule.every (10s), got 1m");
    assertThat(problems(yaml(text("minimal.yaml") + "schedule:\n  cron: '*/5 * * *'\n")))
        .singleElement().asString()
        .startsWith("/etc/pgconverge/desired-state.yaml:13:9: schedule.cron: is not a Quartz cron expression");
    assertThat(problems(yaml(text("minimal.yaml") + "schedule:\n  evry: 5m\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:13:3: schedule.evry: unknown key \"evry\"; did you mean \"every\"?");
  }

  @Test
  void readsTheMaintenanceWindowOfPolicyWindow() {
    Policy p =
        valid(yaml(text("minimal.yaml") + "policy:\n  restart: window\n  window: {cron: '0 0 3 ? * SUN', duration: 2h}\n")).policy();

    assertThat(p).isEqualTo(new Policy(RestartPolicy.WINDOW, Optional.of(new MaintenanceWindow("0 0 3 ? * SUN", Duration.ofHours(2)))));
  }

  @Test
  void refusesPolicyWindowWithoutAWindowAndAWindowWithoutItsKeys() {
    assertThat(problems(yaml(text("minimal.yaml") + "policy:\n  restart: window\n")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:13:12: policy.restart: window needs a policy.window: {cron: ..., duration: ...} saying when restarts may happen");
    assertThat(problems(yaml(text("minimal.yaml") + "policy:\n  restart: window\n  window:\n    cron: '0 0 3 * * ?'\n")))
        .containsExactly("/etc/pgconverge/desired-state.yaml:14:3: policy.window.duration: required key \"duration\" is missing");
    assertThat(problems(yaml(text("minimal.yaml") + "policy:\n  restart: window\n  window: {cron: 'nope', duration: 30s}\n")))
        .hasSize(2)
        .anyMatch(p -> p.contains("policy.window.cron: is not a Quartz cron expression"))
        .anyMatch(p -> p.contains("policy.window.duration: must be at least 1m, got 30s"));
  }

  // --- hba errors: where the column points (the parser's own verdicts are tested with it)

  @Test
  void pointsHbaSyntaxErrorsAtTheColumnInsideThePlainOrQuotedScalar() {
    HbaParser failsAtColumn7 =
        text -> {
          throw new HbaSyntaxException(7, "invalid authentication method \"pear\"");
        };
    String yaml =
        text("minimal.yaml").replace("    - local all postgres peer", "    - local all pear\n    - 'local all pear'\n    - \"local all pear\"");

    assertThat(problems(DesiredStateFixtures.parse(yaml, "desired-state.yaml", failsAtColumn7)))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:11:13: postgres.hba[0]: invalid authentication method \"pear\"",
            "/etc/pgconverge/desired-state.yaml:12:14: postgres.hba[1]: invalid authentication method \"pear\"",
            "/etc/pgconverge/desired-state.yaml:13:14: postgres.hba[2]: invalid authentication method \"pear\"");
  }

  @Test
  void rejectsHbaEntriesThatAreNotLines() {
    assertThat(problems(minimalWith("    - local all postgres peer", "    - local all postgres peer\n    - [a, b]\n    -")))
        .containsExactly(
            "/etc/pgconverge/desired-state.yaml:12:7: postgres.hba[1]: must be a pg_hba.conf line, got a list",
            "/etc/pgconverge/desired-state.yaml:13:6: postgres.hba[2]: must be a pg_hba.conf line, got nothing");
  }

  // --- reading the file

  @Test
  void readsTheFileItIsGiven(@TempDir Path dir) throws IOException {
    // No hba lines in this file, so the real hba parser is not needed to load it.
    Path file = dir.resolve("desired-state.yaml");
    Files.writeString(file, "version: 1\ncluster: main\n");

    LoadResult result = DesiredStateLoader.load(file, "node1");

    assertThat(problems(result))
        .containsExactly(
            file + ":1:1: peers: required key \"peers\" is missing",
            file + ":1:1: postgres: required key \"postgres\" is missing");
  }

  @Test
  void reportsAMissingFileAtLineOneColumnOne(@TempDir Path dir) {
    Path file = dir.resolve("nope.yaml");

    LoadResult result = DesiredStateLoader.load(file, "node1");

    assertThat(problems(result))
        .containsExactly(file + ":1:1: cannot read desired-state file " + file + ": no such file");
    assertThat(((LoadResult.Invalid) result).file()).isEqualTo(file);
  }

  @Test
  void reportsADirectoryAsUnreadable(@TempDir Path dir) {
    assertThat(problems(DesiredStateLoader.load(dir, "node1")))
        .singleElement()
        .asString()
        .startsWith(dir + ":1:1: cannot read desired-state file " + dir + ": ");
  }

  @Test
  void printsTheFilePathAsGivenNotOnlyItsName() {
    Problem problem =
        new Problem(
            new SourceLocation(Path.of("/etc/pgconverge/desired-state.yaml"), 14, 11),
            "peers[2].port",
            "must be 1-65535, got 70000");

    assertThat(problem)
        .hasToString("/etc/pgconverge/desired-state.yaml:14:11: peers[2].port: must be 1-65535, got 70000");
    assertThat(new Problem(new SourceLocation(Path.of("d.yaml"), 1, 1), "", "not valid YAML: x"))
        .hasToString("d.yaml:1:1: not valid YAML: x");
  }

  @Test
  void listsProblemsInFileOrder() {
    List<String> lines = problems(fixture("many-problems.yaml"));

    assertThat(lines).isSortedAccordingTo((a, b) -> Integer.compare(lineOf(a), lineOf(b)));
  }

  private static int lineOf(String problem) {
    return Integer.parseInt(problem.split(":")[1]);
  }
}
