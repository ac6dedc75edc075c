package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** From nothing to a serving primary, and a second run that touches nothing. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BootstrapIT {

  @Test
  void bootstrapsServingPrimaryFromMissingDataDirectory() throws Exception {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      assertThat(host.data()).doesNotExist();

      ProcessResult apply = cli.apply().assertExit(2);

      assertThat(apply.linesContaining("result=")).as(apply.describe()).isNotEmpty();
      assertThat(psql.query("select 1")).isEqualTo("1");
      assertThat(psql.show("wal_level")).isEqualTo("replica");
      assertThat(psql.show("work_mem")).isEqualTo("4MB");
      assertThat(psql.show("wal_keep_size")).isEqualTo("152MB");
      assertThat(
              psql.query(
                  "select rolcanlogin, rolreplication, rolsuper, rolcreatedb"
                      + " from pg_roles where rolname = 'replicator'"))
          .isEqualTo("t|t|f|f");
      assertThat(
              psql.query(
                  "select rolcanlogin, rolreplication, rolsuper, rolcreatedb, rolconnlimit"
                      + " from pg_roles where rolname = 'app'"))
          .isEqualTo("t|f|f|t|20");
      assertThat(psql.canLogIn("app", host.password("app"))).isTrue();
      assertThat(psql.canLogIn("app", "not-" + host.password("app"))).isFalse();

      assertThat(Files.readAllLines(host.postgresqlConf()).get(0))
          .startsWith("#")
          .contains("managed by pgconverge");
      assertThat(Files.getOwner(host.data()).getName()).isEqualTo(PostgresUser.NAME);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(host.data())))
          .isEqualTo("rwx------");
      for (var file : List.of(host.postgresqlConf(), host.hbaConf(), host.autoConf())) {
        assertThat(Files.getOwner(file).getName()).as("owner of %s", file).isEqualTo(PostgresUser.NAME);
      }
    }
  }

  @Test
  void secondApplyChangesNothingNotEvenMtimes() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      ServerControl server = new ServerControl(host);
      cli.apply().assertExit(2);
      List<FileState> before =
          List.of(
              FileState.of(host.postgresqlConf()),
              FileState.of(host.hbaConf()),
              FileState.of(host.autoConf()));
      String startTime = server.startTime();
      String loadTime = server.configLoadTime();

      ProcessResult second = cli.apply().assertExit(0);

      assertThat(second.driftLines()).as(second.describe()).isEmpty();
      assertThat(second.linesContaining("result=")).as(second.describe()).isNotEmpty();
      assertThat(
              List.of(
                  FileState.of(host.postgresqlConf()),
                  FileState.of(host.hbaConf()),
                  FileState.of(host.autoConf())))
          .isEqualTo(before);
      assertThat(server.startTime()).isEqualTo(startTime);
      assertThat(server.configLoadTime()).as("no reload").isEqualTo(loadTime);
    }
  }

  @Test
  void checkOnConvergedHostReportsInSync() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      cli.apply().assertExit(2);
      List<FileState> before =
          List.of(FileState.of(host.postgresqlConf()), FileState.of(host.hbaConf()));

      ProcessResult check = cli.check().assertExit(0);

      assertThat(check.driftLines()).as(check.describe()).isEmpty();
      assertThat(List.of(FileState.of(host.postgresqlConf()), FileState.of(host.hbaConf())))
          .isEqualTo(before);
    }
  }

  @Test
  void checkOnHostWithoutDataDirectoryReportsDriftAndCreatesNothing() {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);

      cli.check().assertExit(2);

      assertThat(host.data()).doesNotExist();
      try (var entries = Files.list(host.dir())) {
        assertThat(entries.map(p -> p.getFileName().toString()))
            .as("check must create nothing beside the data directory either")
            .containsExactlyInAnyOrder("desired-state.yaml", "app.password", "replicator.password");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
