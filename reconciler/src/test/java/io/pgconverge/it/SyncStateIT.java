package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each standby's sync state as the primary's {@code pg_stat_replication.sync_state} says it, in
 * {@code status} and {@code status --cluster} on the primary: a DBA sees which standbys a commit
 * waits for without opening psql.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SyncStateIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Map<String, String> byPeer(JsonNode rows, String nameField) {
    Map<String, String> out = new LinkedHashMap<>();
    rows.forEach(r -> out.put(r.path(nameField).asText(), r.path("sync_state").isNull() ? null : r.path("sync_state").asText()));
    return out;
  }

  @Test
  void statusShowsQuorumStandbysThenTheSynchronousAndThePotentialOne() throws Exception {
    try (Cluster cluster = Cluster.create(3)) {
      cluster.synchronous("{method: any, number: 1}");
      cluster.writeDesired();
      cluster.apply(cluster.primary()).assertExit(2);
      for (ClusterNode r : cluster.replicas()) {
        cluster.apply(r).assertExit(2);
      }
      cluster.awaitAllStreaming();
      ClusterNode primary = cluster.primary();
      cluster.await(primary, "select string_agg(sync_state, ',' order by application_name) from pg_stat_replication",
          "quorum,quorum", Duration.ofSeconds(20));

      ProcessResult status = cluster.statusJson(primary);
      assertThat(status.exitCode()).as(status.describe()).isZero();
      assertThat(byPeer(JSON.readTree(status.stdout()).path("replication"), "peer"))
          .containsEntry("node2", "quorum").containsEntry("node3", "quorum");

      cluster.synchronous("{method: first, number: 1}");
      cluster.writeDesired();
      cluster.apply(primary).assertExit(2);
      cluster.await(primary, "select string_agg(sync_state, ',' order by application_name) from pg_stat_replication",
          "sync,potential", Duration.ofSeconds(20));

      ProcessResult table = cluster.pgconverge(primary, "status", "--config", primary.desiredStateFile().toString());
      assertThat(table.stdout()).as(table.describe()).containsPattern("node2 .* sync ").containsPattern("node3 .* potential ");
      ProcessResult clusterView = cluster.pgconverge(primary, "status", "--cluster", "--json", "--config",
          primary.desiredStateFile().toString(), "--status-file", primary.dir().resolve("status.json").toString());
      assertThat(clusterView.exitCode()).as(clusterView.describe()).isZero();
      assertThat(byPeer(JSON.readTree(clusterView.stdout()).path("peers"), "name"))
          .containsEntry("node1", null).containsEntry("node2", "sync").containsEntry("node3", "potential");
    }
  }
}
