package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A data directory that holds something else is refused and left exactly as it was. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ForeignDataIT {

  @Test
  void refusesDataDirectoryHoldingForeignFilesAndLeavesThemIntact() throws IOException {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Path notes = host.makeDataDirectory().resolve("notes.txt");
      Files.writeString(notes, "the DBA's notes: do not delete\n");
      FileState before = FileState.of(notes);

      ProcessResult apply = cli.apply().assertExit(4);

      assertThat(apply.output()).as(apply.describe()).contains(host.data().toString());
      assertThat(apply.output().toLowerCase()).as(apply.describe()).contains("refus");
      assertThat(FileState.of(notes)).isEqualTo(before);
      assertThat(host.data().resolve("PG_VERSION")).doesNotExist();
      assertThat(host.data().resolve("postmaster.pid")).doesNotExist();
      try (Stream<Path> entries = Files.list(host.data())) {
        assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("notes.txt");
      }
    }
  }

  @Test
  void checkReportsForeignDataDirectoryWithoutTouchingIt() throws IOException {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Path notes = host.makeDataDirectory().resolve("notes.txt");
      Files.writeString(notes, "keep me\n");
      FileState before = FileState.of(notes);

      ProcessResult check = cli.check();

      assertThat(check.exitCode()).as(check.describe()).isNotZero();
      assertThat(check.output()).as(check.describe()).contains(host.data().toString());
      assertThat(FileState.of(notes)).isEqualTo(before);
      assertThat(host.data().resolve("PG_VERSION")).doesNotExist();
    }
  }

  @Test
  void bootstrapsDataDirectoryHoldingOnlyLostFoundAndDotFiles() throws IOException {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Path data = host.makeDataDirectory();
      // a mount point as mkfs leaves it: lost+found belongs to root, mode 0700
      Path lostFound = Files.createDirectory(data.resolve("lost+found"));
      Files.setPosixFilePermissions(lostFound, PosixFilePermissions.fromString("rwx------"));
      Files.writeString(data.resolve(".keep"), "");
      PostgresUser.chown(data.resolve(".keep"));

      cli.apply().assertExit(2);

      assertThat(data.resolve("PG_VERSION")).exists();
      assertThat(data.resolve("global").resolve("pg_control")).exists();
      assertThat(new Psql(host).query("select 1")).isEqualTo("1");
    }
  }
}
