package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The file making node2 primary reaches node2 only; node1 keeps the old file and runs on as a
 * writable primary. node2's reconciler refuses to promote on every run and says why, node2 stays
 * a replica, and at no moment do two nodes accept writes.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BlockedPromotionIT {

  @Test
  void promotionIsRefusedOnEveryRunWhileTheFormerPrimaryStillAcceptsWrites() {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    try (Cluster cluster = Cluster.create(3)) {
      Assumptions.assumeTrue(cluster.lab().isolated(), "needs network namespaces: "
          + cluster.lab().fallbackReason().orElse(""));
      ClusterNode node1 = cluster.node(1);
      ClusterNode node2 = cluster.node(2);
      ClusterNode node3 = cluster.node(3);
      Daemons daemons = new Daemons(cluster);
      FailoverIT.convergeWithRows(cluster, daemons);

      List<String> twoWritable;
      int polls;
      try (WritableWatch watch = WritableWatch.start(cluster);
          Writer writer = Writer.start(cluster, FailoverIT.TABLE, 1_000_000)) {
        node2.role(true);
        node1.role(false);
        cluster.writeDesired(node2);
        daemons.reset();
        for (int i = 0; i < 3; i++) {
          ProcessResult r = daemons.round(List.of(node2, node1, node3)).get(0).result();
          assertThat(r.exitCode()).as(r.describe()).isIn(4, 6);
          assertThat(r.output()).as("run %d of node2 says why it does not promote\n%s", i + 1, r.describe())
              .contains("still accepts writes");
          RoleChecks.assertInRecovery(cluster, node2);
          assertThat(cluster.psql(node1, "select pg_is_in_recovery()")).as("node1 still the primary").isEqualTo("f");
        }
        assertThat(writer.awaitMore(10, 20_000)).isTrue();
        assertThat(writer.lastTarget()).as("the application still writes on node1").isSameAs(node1);
        writer.close();
        watch.close();
        twoWritable = watch.twoWritable();
        polls = watch.polls();
        System.out.printf("blocked promotion: %d rows acknowledged, %d failed inserts, %d polls, writable per"
            + " poll %s%n", writer.acknowledged().size(), writer.refusals(), polls, watch.histogram());
      }
      assertThat(twoWritable).as("polls (of %d) in which two nodes answered pg_is_in_recovery() = f", polls)
          .isEmpty();
      assertThat(daemons.said(node2, "-> promoted")).as(daemons.transcript()).isFalse();
      assertThat(cluster.psql(node1, Cluster.streamingReplicasSql()))
          .as("node1 (the old file says primary) still streams to both").isEqualTo("node2,node3");
    }
  }
}
