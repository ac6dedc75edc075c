package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@code pgconverge switchover --to node3} on three real daemons under {@code failover.mode: etcd}
 * ({@link FailoverLab}), with an application writing and a poller counting writable servers every
 * 100 ms: node3 becomes primary, both others stream from it, and not one acknowledged commit is
 * lost (the old primary stops cleanly, so its replicas have everything). A cluster of its own: right
 * after another role change it fails today (once the old primary stopped, the candidate's WAL
 * receiver stops and it reports its last restartpoint's timeline, behind the history's).
 */
class FailoverSwitchoverScenarioIT extends FailoverScenario {
  @Test
  @Order(1)
  void switchoverToNode3MakesItPrimaryBothOthersStreamFromItAndNoAcknowledgedRowIsLost() {
    ClusterNode from = lab.awaitHealthy(FailoverLab.FORMATION);
    ClusterNode node3 = lab.node(3);
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster); Writer writer = Writer.startOverSessions(cluster, FailoverLab.TABLE, 4_000_000)) {
      assertThat(writer.awaitMore(20, 30_000)).isTrue();
      long requested = System.nanoTime();
      ProcessResult asked = lab.switchover(from, node3);
      assertThat(asked.exitCode()).as("pgconverge switchover\n%s", asked.describe()).isZero();
      ClusterNode primary = lab.awaitHealthy(FailoverLab.TTL.plusSeconds(40));
      System.out.printf("switchover: %s primary, both others streaming, %.1f s after the request%n", primary.name(),
          (System.nanoTime() - requested) / 1e9);
      assertThat(primary).as("node3 is the primary").isSameAs(node3);
      assertThat(writer.awaitMore(20, 30_000)).as("the writer writes to node3").isTrue();
      for (ClusterNode r : lab.others(node3)) {
        assertThat(cluster.psql(r, "select sender_host from pg_stat_wal_receiver"))
            .as("%s streams from node3", r.name()).isEqualTo(node3.address());
      }
      assertThat(lab.finish("switchover", watch, writer, node3)).as("acknowledged rows lost by a clean switchover").isEmpty();
    }
  }

}
