package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code strict: false} on three hosts: with both standbys stopped the primary drops to
 * asynchronous after a run (synchronous_standby_names '', a commit returns at once) and says so in
 * its log, status file and metrics, every run; with a standby streaming again the next run puts the
 * declared list back by a reload.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SynchronousDegradeIT {
  private static final String NAMES = "show synchronous_standby_names";
  private static final String DECLARED = "ANY 1 (\"node2\", \"node3\")";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ProcessResult applyWithStatus(Cluster cluster, ClusterNode node) {
    return cluster.pgconverge(node, "apply", "--config", node.desiredStateFile().toString(),
        "--status-file", node.dir().resolve("status.json").toString(),
        "--metrics-file", node.dir().resolve("metrics.prom").toString());
  }

  private static JsonNode synchronousInStatusFile(ClusterNode node) throws Exception {
    return JSON.readTree(Files.readString(node.dir().resolve("status.json"))).path("synchronous");
  }

  private static String degradedMetric(ClusterNode node) throws Exception {
    return Files.readAllLines(node.dir().resolve("metrics.prom")).stream()
        .filter(l -> l.startsWith("pgconverge_replication_synchronous_degraded ")).findFirst().orElse("(no sample)");
  }

  @Test
  void withBothStandbysStoppedThePrimaryGoesAsynchronousSaysSoAndComesBackWhenOneStreams() throws Exception {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    try (Cluster cluster = Cluster.create(3)) {
      cluster.synchronous("{method: any, number: 1, strict: false}");
      cluster.writeDesired();
      for (ClusterNode n : cluster.nodes()) {
        cluster.apply(n).assertExit(2);
      }
      cluster.awaitAllStreaming();
      ClusterNode primary = cluster.primary();
      applyWithStatus(cluster, primary).assertExit(0, 2);
      assertThat(cluster.psql(primary, NAMES)).as("both standbys stream: the declared list").isEqualTo(DECLARED);
      assertThat(synchronousInStatusFile(primary).path("degraded").asBoolean()).isFalse();
      assertThat(degradedMetric(primary)).isEqualTo("pgconverge_replication_synchronous_degraded 0");
      cluster.psql(primary, "create table t (n bigint primary key)");

      cluster.stopServer(cluster.node(2));
      cluster.stopServer(cluster.node(3));
      ProcessResult degrade = applyWithStatus(cluster, primary);
      assertThat(degrade.exitCode()).as(degrade.describe()).isEqualTo(2);
      assertThat(degrade.output()).as(degrade.describe()).contains("degraded to asynchronous")
          .contains("0 of the 1 standby(s) needed stream (not streaming: node2, node3)");
      assertThat(cluster.psql(primary, NAMES)).as("no standby streams: asynchronous").isEmpty();
      long t0 = System.nanoTime();
      ProcessResult commit = cluster.tryPsql(primary, "insert into t values (1)");
      long commitMillis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(commit.exitCode()).as(commit.describe()).isZero();
      assertThat(commitMillis).as("a commit returns at once (ms)").isLessThan(5_000);
      JsonNode sync = synchronousInStatusFile(primary);
      assertThat(sync.path("declared").asText()).isEqualTo(DECLARED);
      assertThat(sync.path("effective").asText()).isEmpty();
      assertThat(sync.path("degraded").asBoolean()).isTrue();
      assertThat(sync.path("reason").asText()).contains("strict: false");
      assertThat(degradedMetric(primary)).isEqualTo("pgconverge_replication_synchronous_degraded 1");
      ProcessResult status = cluster.pgconverge(primary, "status", "--config", primary.desiredStateFile().toString());
      assertThat(status.output()).as(status.describe()).contains("degraded   synchronous replication degraded to asynchronous");

      Path conf = primary.postgresqlConf();
      FileTime written = Files.getLastModifiedTime(conf);
      ProcessResult again = applyWithStatus(cluster, primary);
      assertThat(again.output()).as("every run says so\n" + again.describe()).contains("degraded to asynchronous");
      assertThat(again.exitCode()).as(again.describe()).isZero();
      assertThat(again.output()).as(again.describe()).contains("applied=0");
      assertThat(Files.getLastModifiedTime(conf)).as("a second run writes nothing").isEqualTo(written);
      assertThat(degradedMetric(primary)).isEqualTo("pgconverge_replication_synchronous_degraded 1");

      cluster.apply(cluster.node(2));
      cluster.await(primary, Cluster.streamingReplicasSql(), "node2", Cluster.STREAMING_TIMEOUT);
      ProcessResult back = applyWithStatus(cluster, primary);
      assertThat(back.exitCode()).as(back.describe()).isEqualTo(2);
      assertThat(back.output()).as(back.describe()).contains("reload").doesNotContain("degraded to asynchronous")
          .doesNotContainIgnoringCase("restart the server");
      assertThat(cluster.psql(primary, NAMES)).as("node2 streams again: the declared list").isEqualTo(DECLARED);
      assertThat(synchronousInStatusFile(primary).path("degraded").asBoolean()).isFalse();
      assertThat(degradedMetric(primary)).isEqualTo("pgconverge_replication_synchronous_degraded 0");
      cluster.psql(primary, "insert into t values (2)");
      assertThat(cluster.await(cluster.node(2), "select count(*) from t where n = 2", "1", Cluster.STREAMING_TIMEOUT))
          .as("a commit acknowledged synchronously again is on node2").isEqualTo("1");
    }
  }
}
