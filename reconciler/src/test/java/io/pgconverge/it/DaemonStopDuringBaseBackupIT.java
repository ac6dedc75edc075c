package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGTERM while the daemon copies a replica with pg_basebackup: the copy (and its WAL-streaming
 * child) is stopped, the staging directory removed, PGDATA never appears, the daemon exits within
 * 30 s, and the primary keeps running.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DaemonStopDuringBaseBackupIT {

  @Test
  void sigtermDuringABaseBackupStopsTheCopyRemovesStagingAndExitsInTime() throws Exception {
    try (Cluster cluster = Cluster.create(2)) {
      ClusterNode primary = cluster.primary();
      ClusterNode replica = cluster.node(2);
      String stagingPath = replica.stagingDir().toString();
      replica.pgBin(ReplicaBootstrapKillIT.slowBaseBackupBin(cluster.root().resolve("slow-bin")));
      cluster.writeDesired();
      cluster.apply(primary).assertExit(2);

      Path status = replica.dir().resolve("status.json");
      try (BackgroundProcess daemon = cluster.startInNode(replica, List.of("daemon", "--config",
          replica.desiredStateFile().toString(), "--status-file", status.toString(),
          "--metrics-file", replica.dir().resolve("metrics.prom").toString()))) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        boolean copying = false;
        while (!copying && System.nanoTime() < deadline) {
          if (Files.isDirectory(replica.stagingDir())) {
            try (Stream<Path> entries = Files.list(replica.stagingDir())) {
              copying = entries.findAny().isPresent() && !ProcTable.withCommandLineContaining(stagingPath).isEmpty();
            }
          }
          if (!daemon.isAlive()) {
            throw new AssertionError("the daemon ended before the copy was under way\n" + daemon.result().describe());
          }
          Psql.sleep(100);
        }
        assertThat(copying).as("a pg_basebackup copies into " + stagingPath).isTrue();

        Instant term = Instant.now();
        Processes.run(List.of("kill", "-TERM", Long.toString(daemon.pid())), Duration.ofSeconds(10)).assertExit(0);
        assertThat(daemon.waitForExit(Duration.ofSeconds(30))).as("the daemon exits within 30 s").isTrue();
        System.out.println("daemon exited " + Duration.between(term, Instant.now()).toMillis() + " ms after SIGTERM");

        assertThat(ProcTable.withCommandLineContaining(stagingPath)).as("no pg_basebackup (or its WAL streamer) is left").isEmpty();
        assertThat(replica.stagingDir()).as("staging directory removed\n" + daemon.result().describe()).doesNotExist();
        assertThat(replica.data()).as("PGDATA never holds a partial copy").doesNotExist();
      }
      assertThat(cluster.psql(primary, "select 1")).as("the primary keeps serving").isEqualTo("1");
    }
  }
}
