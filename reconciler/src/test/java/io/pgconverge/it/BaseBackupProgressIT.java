package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A replica copied by a pg_basebackup that takes seconds (held to 4 MB/s) is not silent: its log
 * shows how much is copied of the total while the copy runs.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BaseBackupProgressIT {
  @Test
  void aLongBaseBackupLogsBytesCopiedOfTheTotalWhileItRuns() throws Exception {
    try (Cluster cluster = Cluster.create(2)) {
      ClusterNode primary = cluster.primary();
      ClusterNode replica = cluster.node(2);
      replica.pgBin(ReplicaBootstrapKillIT.slowBaseBackupBin(cluster.root().resolve("slow-bin"), "4M"));
      cluster.writeDesired();
      cluster.apply(primary).assertExit(2);

      ProcessResult apply = cluster.pgconverge(replica, "apply", "--config", replica.desiredStateFile().toString(),
          "--log-format", "json").assertExit(2);

      List<JsonNode> lines = new ArrayList<>();
      for (String l : apply.stderr().lines().toList()) {
        lines.add(new ObjectMapper().readTree(l));
      }
      List<JsonNode> progress = lines.stream().filter(j -> j.path("event").asText().equals("progress")).toList();
      JsonNode copied = lines.stream().filter(j -> j.path("action").asText().equals("base-backup")
          && j.path("event").asText().equals("applied")).findFirst().orElseThrow();
      assertThat(progress).as(apply.describe()).isNotEmpty();
      JsonNode first = progress.get(0);
      assertThat(first.path("msg").asText()).startsWith("progress: pg_basebackup from " + primary.name()).contains(" MB of ");
      assertThat(first.path("bytes_total").asLong()).isGreaterThan(1 << 20);
      assertThat(first.path("bytes_done").asLong()).isPositive().isLessThan(first.path("bytes_total").asLong());
      assertThat(Duration.between(Instant.parse(first.path("ts").asText()), Instant.parse(copied.path("ts").asText())))
          .as("the progress line was written while the copy ran").isGreaterThan(Duration.ofSeconds(1));
      System.out.println("base backup took " + copied.path("duration_ms").asLong() + " ms, " + progress.size() + " progress line(s)");
    }
  }
}
