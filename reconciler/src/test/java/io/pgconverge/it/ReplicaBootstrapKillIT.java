package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A replica's bootstrap killed half-way (the reconciler's JVMs by SIGKILL, then its {@code
 * pg_basebackup}, which would otherwise live on) leaves PGDATA untouched, and the next run
 * converges.
 *
 * <p>The copy is slowed down with a bin directory whose {@code pg_basebackup} is a wrapper adding
 * {@code --max-rate=512k} (a fresh cluster is tens of MB, so the copy takes about a minute).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReplicaBootstrapKillIT {
  private static final Duration STAGING_TIMEOUT = Duration.ofSeconds(60);

  @Test
  void killedBaseBackupLeavesDataDirectoryUntouchedAndNextRunConverges() throws Exception {
    String stagingPath;
    try (Cluster cluster = Cluster.create(2)) {
      ClusterNode primary = cluster.primary();
      ClusterNode replica = cluster.node(2);
      stagingPath = replica.stagingDir().toString();
      replica.pgBin(slowBaseBackupBin(cluster.root().resolve("slow-bin")));
      cluster.writeDesired();
      cluster.apply(primary).assertExit(2);

      try (BackgroundProcess apply = cluster.startApply(replica)) {
        awaitCopyInProgress(replica, apply);

        apply.killTreeExcept("pg_basebackup");
        List<ProcTable.Proc> killed = ProcTable.killAllContaining(stagingPath);
        System.out.println("killed the apply JVMs and " + killed.size()
            + " pg_basebackup process(es): " + killed);
        assertThat(ProcTable.withCommandLineContaining(stagingPath)).isEmpty();
      }

      assertThat(replica.data()).as("PGDATA never holds a partial copy").doesNotExist();

      replica.pgBin(TestHost.PG_BIN);
      cluster.writeDesired();
      ProcessResult again = cluster.apply(replica).assertExit(2);

      assertThat(replica.stagingDir()).as("leftover staging cleaned\n" + again.describe())
          .doesNotExist();
      assertThat(replica.standbySignal()).exists();
      cluster.awaitAllStreaming();
      assertThat(cluster.psql(primary,
              "select count(*) from pg_replication_slots where slot_name like 'pg\\_basebackup\\_%'"))
          .as("no temporary slot of the killed copy is left on the primary")
          .isEqualTo("0");
    }
    assertThat(ProcTable.withCommandLineContaining(stagingPath)).isEmpty();
  }

  /** Waits until the staging directory exists and the copy has put something into it. */
  private static void awaitCopyInProgress(ClusterNode replica, BackgroundProcess apply)
      throws IOException {
    long deadline = System.nanoTime() + STAGING_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.isDirectory(replica.stagingDir())) {
        try (Stream<Path> entries = Files.list(replica.stagingDir())) {
          if (entries.findAny().isPresent()
              && !ProcTable.withCommandLineContaining(replica.stagingDir().toString()).isEmpty()) {
            return;
          }
        } catch (IOException e) {
          // not readable yet (mode 0700 of another user is fine for root); try again
        }
      }
      if (!apply.isAlive()) {
        throw new AssertionError("apply ended before the copy was under way\n"
            + apply.result().describe());
      }
      Psql.sleep(100);
    }
    throw new AssertionError("no copy in " + replica.stagingDir() + " within "
        + STAGING_TIMEOUT.toSeconds() + " s\n" + apply.result().describe());
  }

  /**
   * A bin directory with a symlink to every file of the real one, except {@code pg_basebackup},
   * which is a wrapper limiting the transfer rate.
   */
  static Path slowBaseBackupBin(Path dir) throws IOException {
    return slowBaseBackupBin(dir, "512k");
  }

  /** The same, with pg_basebackup held to {@code rate} per second ({@code --max-rate}). */
  static Path slowBaseBackupBin(Path dir, String rate) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (Stream<Path> files = Files.list(TestHost.PG_BIN)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (!f.getFileName().toString().equals("pg_basebackup")) {
          Files.createSymbolicLink(dir.resolve(f.getFileName()), f);
        }
      }
    }
    Path wrapper = dir.resolve("pg_basebackup");
    Files.writeString(wrapper,
        "#!/bin/sh\n# the product's arguments first, so that --version still works\nexec "
            + TestHost.PG_BIN.resolve("pg_basebackup") + " \"$@\" --max-rate=" + rate + "\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }
}
