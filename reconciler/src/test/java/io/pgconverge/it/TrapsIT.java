package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The traps a new DBA falls into on day one, each turned into an error that says what to fix:
 * which path, which user, which permission; Debian's own cluster in the way, with its remedy.
 * pgconverge runs as root here and re-executes itself as postgres, as from config management.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TrapsIT {
  private static final String USER = PostgresUser.NAME;

  private static void rootOnly(Path p, String mode) throws Exception {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    var lookup = p.getFileSystem().getUserPrincipalLookupService();
    var view = Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class);
    view.setOwner(lookup.lookupPrincipalByName("root"));
    view.setGroup(lookup.lookupPrincipalByGroupName("root"));
  }

  @Test
  void aDataDirectoryBehindADirectoryPostgresMayNotEnterIsNamedNotTakenForMissing() throws Exception {
    try (TestHost host = TestHost.create()) {
      Path locked = Files.createDirectory(host.dir().resolve("locked"));
      rootOnly(locked, "rwx------");
      Path data = locked.resolve("data");
      host.writeDesired(host.desired().render().replace("data: '" + host.data() + "'", "data: '" + data + "'"));
      assertThat(TestHost.read(host.desiredStateFile())).contains(data.toString());

      ProcessResult check = new Cli(host).check().assertExit(4);

      assertThat(check.output()).contains("data directory " + data)
          .contains("user " + USER + " may not enter the directory " + locked + " (mode rwx------, owner root:root)")
          .doesNotContain("initdb").doesNotContain("missing");
      assertThat(new Cli(host).apply().assertExit(4).output()).doesNotContain("initdb");
      try (var s = Files.list(locked)) {
        assertThat(s).isEmpty();
      }
    }
  }

  @Test
  void aPasswordFilePostgresMayNotReadIsNamedWithTheUserAndItsMode() throws Exception {
    try (TestHost host = TestHost.create()) {
      new Cli(host).apply().assertExit(2);
      Path file = host.passwordFile("replicator");
      rootOnly(file, "rw-------");

      ProcessResult check = new Cli(host).check().assertExit(4);

      assertThat(check.output()).contains("user " + USER + " may not read " + file + " (mode rw-------, owner root:root)");
    }
  }

  @Test
  void aDesiredStateFilePostgresMayNotReadIsNamedWithTheUserAndItsMode() throws Exception {
    try (TestHost host = TestHost.create()) {
      rootOnly(host.desiredStateFile(), "rw-------");

      ProcessResult check = new Cli(host).check().assertExit(1);

      assertThat(check.output()).contains("cannot read desired-state file " + host.desiredStateFile())
          .contains("user " + USER + " may not read " + host.desiredStateFile() + " (mode rw-------, owner root:root)");
    }
  }

  /** Runs where postgresql-15 made its own 15/main (as Debian does by default); read-only: refused before anything is touched. */
  @Test
  void debiansOwnMainClusterAtTheDesiredDataDirectoryIsRefusedWithItsRemedy() throws Exception {
    Path debianConf = Path.of("/etc/postgresql/15/main/postgresql.conf");
    Path debianData = Path.of("/var/lib/postgresql/15/main");
    Assumptions.assumeTrue(Files.isRegularFile(debianConf) && Files.isDirectory(debianData),
        "no Debian 15/main cluster on this machine (.ci/run keeps the package from making one)");
    String before = TestHost.read(debianConf);
    try (TestHost host = TestHost.create()) {
      host.writeDesired(host.desired().render().replace("data: '" + host.data() + "'", "data: '" + debianData + "'"));

      ProcessResult check = new Cli(host).check().assertExit(4);

      assertThat(check.output()).contains("Debian's cluster 15/main (/etc/postgresql/15/main, data " + debianData)
          .contains("pg_dropcluster 15 main --stop").contains("create_main_cluster = false");
    }
    assertThat(TestHost.read(debianConf)).isEqualTo(before);
  }
}
