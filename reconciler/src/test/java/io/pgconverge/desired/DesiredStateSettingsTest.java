package io.pgconverge.desired;

import static io.pgconverge.desired.DesiredStateFixtures.problems;
import static io.pgconverge.desired.DesiredStateFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** postgres.settings checked offline against the catalogue of the host's major version. */
class DesiredStateSettingsTest {

  private static String file(String binLine, Path data, String settings) {
    return "version: 1\n"
        + "cluster: main\n"
        + "peers:\n"
        + "  - name: node1\n"
        + "    host: 10.0.0.11\n"
        + "    role: primary\n"
        + "postgres:\n"
        + binLine
        + "  data: " + data + "\n"
        + "  settings:\n"
        + settings
        + "  hba:\n"
        + "    - local all postgres peer\n";
  }

  private static LoadResult load(String yaml) {
    return DesiredStateLoader.parse(yaml, Path.of("/etc/pgconverge/desired.yaml"), "node1");
  }

  @Test
  void pointsAtTheValueOfAMisspeltNameWithTheNameItMeant() {
    String yaml = file("  bin: /usr/lib/postgresql/15/bin\n", Path.of("/var/lib/postgresql/15/main"),
        "    wal_levl: replica\n");

    assertThat(problems(load(yaml))).containsExactly(
        "/etc/pgconverge/desired.yaml:11:15: postgres.settings.wal_levl: PostgreSQL 15 has no parameter"
            + " \"wal_levl\"; did you mean \"wal_level\"?");
  }

  @Test
  void reportsEveryBadValueAtItsOwnLine() {
    String yaml = file("  bin: /usr/lib/postgresql/15/bin\n", Path.of("/var/lib/postgresql/15/main"),
        "    wal_level: replicaa\n"
            + "    shared_buffers: 64kB\n"
            + "    wal_log_hints: maybe\n"
            + "    work_mem: 64KB\n"
            + "    myext.anything: goes\n"
            + "    max_connections: '0x64'\n");

    assertThat(problems(load(yaml))).containsExactly(
        "/etc/pgconverge/desired.yaml:11:16: postgres.settings.wal_level: must be one of minimal, replica,"
            + " logical, got \"replicaa\"; did you mean \"replica\"?",
        "/etc/pgconverge/desired.yaml:12:21: postgres.settings.shared_buffers: must be between 128kB and"
            + " 8589934584kB, got \"64kB\"",
        "/etc/pgconverge/desired.yaml:13:20: postgres.settings.wal_log_hints: must be a Boolean: on, off,"
            + " true, false, yes, no, 1 or 0, got \"maybe\"",
        "/etc/pgconverge/desired.yaml:14:15: postgres.settings.work_mem: must be an integer with an"
            + " optional unit (B, kB, MB, GB, TB), got \"64KB\"");
  }

  @Test
  void usesTheMajorInPgVersionWhenTheBinaryDirectoryNamesNone(@TempDir Path data) throws IOException {
    Files.writeString(data.resolve("PG_VERSION"), "13\n");
    String thirteenOnly = "    operator_precedence_warning: 'off'\n";

    valid(load(file("", data, thirteenOnly)));
    assertThat(problems(load(file("  bin: /usr/lib/postgresql/15/bin\n", data, thirteenOnly))))
        .singleElement().asString().contains("PostgreSQL 15 has no parameter \"operator_precedence_warning\"");
  }

  @Test
  void usesTheNewestMajorWhenNothingNamesOne(@TempDir Path data) {
    assertThat(problems(load(file("", data, "    old_snapshot_threshold: -1\n"))))
        .singleElement().asString().contains("PostgreSQL 17 has no parameter \"old_snapshot_threshold\"");
  }
}
