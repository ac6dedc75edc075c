package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code pgconverge status --cluster} on a three-node cluster in network namespaces, run inside a
 * node's namespace as an operator runs it on one host: one row per peer, each asked over the
 * network; a peer whose server is down is a row that says so, and the exit code says unhealthy.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClusterStatusIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Map<String, JsonNode> peers(ProcessResult r) throws Exception {
    JsonNode doc = JSON.readTree(r.stdout());
    Map<String, JsonNode> out = new LinkedHashMap<>();
    doc.path("peers").forEach(p -> out.put(p.path("name").asText(), p));
    return out;
  }

  @Test
  void everyPeerIsAskedDirectlyAndAPeerThatIsDownIsARowThatSaysSo() throws Exception {
    try (Cluster cluster = Cluster.create(3)) {
      // lets a peer read the primary's pg_stat_replication as the replication user
      cluster.hba().add("host postgres replicator peers scram-sha-256");
      cluster.writeDesired();
      cluster.apply(cluster.primary()).assertExit(2);
      for (ClusterNode r : cluster.replicas()) {
        cluster.apply(r).assertExit(2);
      }
      cluster.awaitAllStreaming();
      ClusterNode node1 = cluster.node(1);
      ClusterNode node2 = cluster.node(2);
      String statusFile = node2.dir().resolve("status.json").toString();

      // on the primary: its own server shows every walsender
      ProcessResult healthy = cluster.pgconverge(node1, "status", "--cluster", "--json", "--config",
          node1.desiredStateFile().toString(), "--status-file", statusFile);

      assertThat(healthy.exitCode()).as(healthy.describe()).isZero();
      Map<String, JsonNode> rows = peers(healthy);
      assertThat(rows).containsOnlyKeys("node1", "node2", "node3");
      assertThat(rows.get("node1").path("actual_role").asText()).isEqualTo("primary");
      assertThat(rows.get("node1").path("host").asText()).isEqualTo(cluster.node(1).address());
      for (String replica : new String[] {"node2", "node3"}) {
        JsonNode row = rows.get(replica);
        assertThat(row.path("desired_role").asText()).isEqualTo("replica");
        assertThat(row.path("actual_role").asText()).isEqualTo("replica");
        assertThat(row.path("running").asBoolean()).isTrue();
        assertThat(row.path("streaming").asBoolean()).as(row.toString()).isTrue();
        assertThat(row.path("timeline").asInt()).isEqualTo(rows.get("node1").path("timeline").asInt());
        assertThat(row.path("slot").asText()).isEqualTo("pgc_" + replica);
        assertThat(row.path("lag_bytes").isNumber()).as(row.toString()).isTrue();
        assertThat(row.path("lsn").asText()).matches("[0-9A-F]+/[0-9A-F]+");
      }

      // on a replica: the primary hides its walsenders' state from the replication user, so
      // streaming is unknown (a note), the lag in bytes comes from the LSNs, and the table says healthy
      ProcessResult fromReplica = cluster.pgconverge(node2, "status", "--cluster", "--json", "--config",
          node2.desiredStateFile().toString(), "--status-file", statusFile);
      assertThat(fromReplica.exitCode()).as(fromReplica.describe()).isZero();
      assertThat(peers(fromReplica).get("node3").path("lag_bytes").isNumber()).isTrue();
      assertThat(JSON.readTree(fromReplica.stdout()).path("notes").toString()).contains("pg_read_all_stats");
      ProcessResult table = cluster.pgconverge(node2, "status", "--cluster", "--config",
          node2.desiredStateFile().toString(), "--status-file", statusFile);
      assertThat(table.exitCode()).as(table.describe()).isZero();
      assertThat(table.stdout()).contains("node3").contains("pgc_node3").contains("healthy");

      cluster.stopServer(cluster.node(3));
      ProcessResult down = cluster.pgconverge(node2, "status", "--cluster", "--json", "--config",
          node2.desiredStateFile().toString(), "--status-file", statusFile);

      assertThat(down.exitCode()).as(down.describe()).isEqualTo(2);
      JsonNode node3 = peers(down).get("node3");
      assertThat(node3.path("running").asBoolean()).isFalse();
      assertThat(node3.path("error").asText()).isNotEmpty();
      assertThat(JSON.readTree(down.stdout()).path("problems").toString()).contains("node3 does not answer");
      assertThat(peers(down).get("node2").path("actual_role").asText()).isEqualTo("replica");
    }
  }
}
