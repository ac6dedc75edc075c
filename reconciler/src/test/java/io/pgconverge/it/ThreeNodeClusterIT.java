package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three hosts, each in its own network namespace with its own address, run {@code pgconverge
 * apply} with the same desired state (node1 primary, node2 and node3 replicas) and become a
 * streaming-replication cluster, even when the replicas start before the primary exists.
 *
 * <p>One cluster serves the whole class (a fourth lab host, not a peer, is the outsider). The
 * first test converges it in the hard order; the others converge it in the easy order when they
 * run alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ThreeNodeClusterIT {
  private Cluster cluster;
  private boolean converged;

  @BeforeAll
  void makeCluster() {
    cluster = Cluster.create(3, 1);
  }

  @AfterAll
  void removeCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void replicasStartedBeforeThePrimaryFailThenConvergeOnceItIsUp() {
    ClusterNode primary = cluster.primary();
    for (ClusterNode replica : cluster.replicas()) {
      ProcessResult early = cluster.apply(replica).assertExit(4);

      assertThat(replica.data()).as(early.describe()).doesNotExist();
      assertThat(replica.stagingDir()).as("staging cleaned\n" + early.describe()).doesNotExist();
      assertThat(early.lines())
          .as("a line naming the primary and why it cannot be reached\n" + early.describe())
          .anyMatch(l -> (l.contains(primary.name()) || l.contains(primary.address()))
              && l.toLowerCase().matches(
                  ".*(unreachable|connection refused|could not connect|no route|timed out).*"));
    }

    cluster.apply(primary).assertExit(2);
    for (ClusterNode replica : cluster.replicas()) {
      cluster.apply(replica).assertExit(2);
      assertThat(replica.stagingDir()).doesNotExist();
      assertThat(replica.standbySignal()).exists();
    }
    converged = true;

    cluster.awaitAllStreaming();
  }

  @Test
  @Order(2)
  void rowWrittenOnThePrimaryIsReadOnBothReplicas() {
    ensureConverged();
    cluster.psql(cluster.primary(),
        "create table if not exists it_probe (v text); insert into it_probe values ('hello from node1')");

    for (ClusterNode replica : cluster.replicas()) {
      assertThat(cluster.await(replica,
              "select count(*) from it_probe where v = 'hello from node1'", "1",
              Cluster.STREAMING_TIMEOUT))
          .as("row replicated to %s", replica.name())
          .isEqualTo("1");
    }
  }

  @Test
  @Order(3)
  void primaryKeepsAnActiveSlotPerReplica() {
    ensureConverged();

    assertThat(cluster.await(cluster.primary(),
            "select string_agg(slot_name || ':' || slot_type || ':' || active, ',' order by slot_name)"
                + " from pg_replication_slots where slot_name like 'pgc\\_%'",
            "pgc_node2:physical:true,pgc_node3:physical:true", Cluster.STREAMING_TIMEOUT))
        .isEqualTo("pgc_node2:physical:true,pgc_node3:physical:true");
    for (ClusterNode replica : cluster.replicas()) {
      assertThat(cluster.psql(replica, "show primary_slot_name")).isEqualTo(replica.slotName());
    }
  }

  @Test
  @Order(4)
  void secondApplyOnEveryNodeChangesNothing() {
    ensureConverged();
    List<FileState> before = managedFiles();

    for (ClusterNode n : cluster.nodes()) {
      ProcessResult again = cluster.apply(n).assertExit(0);
      assertThat(again.driftLines()).as(again.describe()).isEmpty();
    }

    assertThat(managedFiles()).isEqualTo(before);
  }

  @Test
  @Order(5)
  void replicationConnectionIsRefusedFromAnAddressThatIsNotAPeer() {
    ensureConverged();
    Assumptions.assumeTrue(cluster.lab().isolated(),
        "loopback fallback: every host has the same address, so hba cannot tell them apart");
    ClusterNode primary = cluster.primary();
    String conninfo = "host=" + primary.address() + " port=" + primary.port()
        + " user=replicator replication=true dbname=postgres";
    int outsider = cluster.outsiderHost(1);

    ProcessResult fromOutsider = cluster.psqlFromHost(
        outsider, conninfo, cluster.replicatorPassword(), "IDENTIFY_SYSTEM");
    ProcessResult fromReplica = cluster.psqlFromHost(
        cluster.node(2).index(), conninfo, cluster.replicatorPassword(), "IDENTIFY_SYSTEM");

    assertThat(fromOutsider.exitCode()).as(fromOutsider.describe()).isNotZero();
    assertThat(fromOutsider.stderr())
        .contains("no pg_hba.conf entry")
        .contains(cluster.lab().address(outsider));
    assertThat(fromReplica.exitCode()).as(fromReplica.describe()).isZero();
    assertThat(fromReplica.stdout())
        .as("IDENTIFY_SYSTEM returns the primary's system identifier")
        .matches("(?s)[0-9]+\\|.*");
  }

  @Test
  @Order(6)
  void statusAsJsonShowsThePrimaryStreamingToBothReplicas() throws Exception {
    ensureConverged();
    cluster.awaitAllStreaming();
    ObjectMapper json = new ObjectMapper();

    ProcessResult onPrimary = cluster.statusJson(cluster.primary()).assertExit(0);
    JsonNode primary = json.readTree(onPrimary.stdout());

    assertThat(primary.path("self").asText()).isEqualTo("node1");
    assertThat(primary.path("desired_role").asText()).isEqualTo("primary");
    assertThat(primary.path("server").asText()).isEqualTo("running");
    assertThat(primary.path("in_recovery").asBoolean(true)).isFalse();
    List<String> streaming = new ArrayList<>();
    for (JsonNode row : primary.path("replication")) {
      if (row.path("streaming").asBoolean(false)) {
        streaming.add(row.path("peer").asText());
      }
    }
    assertThat(streaming).as(onPrimary.stdout()).containsExactlyInAnyOrder("node2", "node3");

    for (ClusterNode replica : cluster.replicas()) {
      ProcessResult onReplica = cluster.statusJson(replica).assertExit(0);
      JsonNode r = json.readTree(onReplica.stdout());
      assertThat(r.path("self").asText()).isEqualTo(replica.name());
      assertThat(r.path("desired_role").asText()).isEqualTo("replica");
      assertThat(r.path("in_recovery").asBoolean(false)).isTrue();
      assertThat(r.path("wal_receiver").path("status").asText()).isEqualTo("streaming");
      assertThat(r.path("wal_receiver").path("sender_host").asText())
          .isEqualTo(cluster.primary().address());
    }
  }

  @Test
  @Order(7)
  void statusAndMetricsFilesOfARunOnThePrimaryCarryEachReplicasLag() throws Exception {
    ensureConverged();
    cluster.awaitAllStreaming();
    Path status = cluster.primary().dir().resolve("status.json");
    Path metrics = cluster.primary().dir().resolve("metrics.prom");
    cluster.pgconverge(cluster.primary(), "apply", "--config", cluster.primary().desiredStateFile().toString(),
        "--status-file", status.toString(), "--metrics-file", metrics.toString()).assertExit(0);

    JsonNode s = new ObjectMapper().readTree(status.toFile());
    List<String> streaming = new ArrayList<>();
    for (JsonNode row : s.path("replication")) {
      assertThat(row.path("lag_bytes").asLong(-1)).as(s.toString()).isGreaterThanOrEqualTo(0);
      if (row.path("state").asText().equals("streaming")) {
        streaming.add(row.path("peer").asText());
      }
    }
    assertThat(streaming).as(s.toString()).containsExactlyInAnyOrder("node2", "node3");
    List<String> lagSamples = Files.readAllLines(metrics).stream()
        .filter(l -> l.startsWith("pgconverge_replication_lag_bytes{")).toList();
    assertThat(lagSamples).as(String.join("\n", Files.readAllLines(metrics))).hasSize(2)
        .anyMatch(l -> l.startsWith("pgconverge_replication_lag_bytes{peer=\"node2\"} "))
        .anyMatch(l -> l.startsWith("pgconverge_replication_lag_bytes{peer=\"node3\"} "));
    String text = Files.readString(metrics);
    assertThat(text).as(text).contains("pgconverge_replication_connected{peer=\"node2\"} 1\n")
        .contains("pgconverge_replication_connected{peer=\"node3\"} 1\n")
        .contains("pgconverge_role{role=\"primary\"} 1\n")
        .containsPattern("(?m)^pgconverge_timeline [1-9][0-9]*$")
        .containsPattern("(?m)^pgconverge_replication_lag_seconds\\{peer=\"node2\"\\} [0-9.]+$")
        .containsPattern("(?m)^pgconverge_replication_lag_seconds\\{peer=\"node3\"\\} [0-9.]+$");
  }

  /** Converges the cluster primary first, when the first test did not run (or failed early). */
  private void ensureConverged() {
    if (converged) {
      return;
    }
    cluster.apply(cluster.primary()).assertExit(0, 2);
    for (ClusterNode replica : cluster.replicas()) {
      cluster.apply(replica).assertExit(0, 2);
    }
    converged = true;
    cluster.awaitAllStreaming();
  }

  private List<FileState> managedFiles() {
    List<FileState> states = new ArrayList<>();
    for (ClusterNode n : cluster.nodes()) {
      List<Path> files = new ArrayList<>(List.of(n.postgresqlConf(), n.hbaConf(), n.autoConf()));
      if (!n.isPrimary()) {
        files.add(n.standbySignal());
      }
      for (Path f : files) {
        assertThat(Files.exists(f)).as("%s exists", f).isTrue();
        states.add(FileState.of(f));
      }
    }
    return states;
  }
}
