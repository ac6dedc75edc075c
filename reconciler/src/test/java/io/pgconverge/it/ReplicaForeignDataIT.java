package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A replica whose PGDATA holds a cluster of its own (another system identifier than the
 * primary's) is refused; its files are neither deleted nor overwritten, and its server is not
 * started.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReplicaForeignDataIT {

  @Test
  void refusesReplicaWhoseDataDirectoryBelongsToAnotherClusterAndLeavesItIntact()
      throws IOException {
    try (Cluster cluster = Cluster.create(2)) {
      ClusterNode primary = cluster.primary();
      ClusterNode replica = cluster.node(2);
      cluster.apply(primary).assertExit(2);
      Processes.run(
              PostgresUser.command(
                  List.of(TestHost.PG_BIN.resolve("initdb").toString(), "-D",
                      replica.data().toString(), "-A", "peer", "-U", PostgresUser.NAME)),
              Duration.ofSeconds(60))
          .assertExit(0);
      Path marker = replica.data().resolve("dba-notes.txt");
      Files.writeString(marker, "this cluster is not a copy of node1: keep it\n");
      String listingBefore = listing(replica.data());
      FileState versionBefore = FileState.of(replica.data().resolve("PG_VERSION"));
      FileState markerBefore = FileState.of(marker);
      FileState confBefore = FileState.of(replica.postgresqlConf());

      ProcessResult apply = cluster.apply(replica).assertExit(4);

      assertThat(apply.lines()).as(apply.describe())
          .anyMatch(l -> l.toLowerCase().contains("refused")
              && l.toLowerCase().contains("system identifier"));
      assertThat(listing(replica.data())).isEqualTo(listingBefore);
      assertThat(FileState.of(replica.data().resolve("PG_VERSION"))).isEqualTo(versionBefore);
      assertThat(FileState.of(marker)).isEqualTo(markerBefore);
      assertThat(FileState.of(replica.postgresqlConf())).isEqualTo(confBefore);
      assertThat(replica.data().resolve("postmaster.pid")).as("not started").doesNotExist();
      assertThat(replica.standbySignal()).doesNotExist();
      assertThat(replica.stagingDir()).doesNotExist();
    }
  }

  /** Every path under {@code dir} with its size and mtime, one per line, sorted. */
  private static String listing(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      return paths.sorted().map(p -> {
        try {
          return dir.relativize(p) + " " + (Files.isDirectory(p) ? "dir" : Files.size(p))
              + " " + Files.getLastModifiedTime(p);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).collect(Collectors.joining("\n"));
    }
  }
}
