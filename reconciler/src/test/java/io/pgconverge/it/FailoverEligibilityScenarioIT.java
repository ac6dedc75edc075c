package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Who may not be promoted, under three real daemons in {@code failover.mode: etcd} ({@link
 * FailoverLab}) with node3 at {@code failover_priority: 0} and {@code maximum_lag: 4MB}, and a
 * poller counting writable servers every 100 ms. node2 is cut off while 24 MB of WAL are written
 * on node1 and node1 publishes that position; then node1's host dies and node2's link comes back.
 * node2 is more than maximum_lag behind the last primary position and node3 has priority 0, so
 * nothing is promoted for ttl + 3 loops, and each one's daemon says why. Either rule alone
 * failing would promote its node.
 */
class FailoverEligibilityScenarioIT extends FailoverScenario {
  private static final long MAXIMUM_LAG = 4L * 1024 * 1024;

  @Override
  void configure(FailoverLab lab) {
    lab.maximumLag("4MB").priority(lab.node(3), 0);
  }

  @Test
  @Order(1)
  void aReplicaBeyondMaximumLagAndAReplicaOfPriority0AreNeverPromoted() {
    ClusterNode node1 = lab.node(1);
    ClusterNode node2 = lab.node(2);
    ClusterNode node3 = lab.node(3);
    assertThat(lab.awaitHealthy(FailoverLab.FORMATION)).isSameAs(node1);
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster)) {
      cluster.cutLink(node2);
      try {
        cluster.psql(node1, "create table bulk (id int, pad text);"
            + " insert into bulk select g, repeat('x', 1000) from generate_series(1, 20000) g");
        long at = lab.lsn(node1);
        boolean published = FailoverLab.await(() -> lab.etcdValue("status").map(FailoverLab::lsnOf).orElse(0L) >= at,
            FailoverLab.LOOP_WAIT.multipliedBy(3).plusSeconds(10));
        assertThat(published).as("node1 published its position %d in the status key: %s", at, lab.etcdValue("status")).isTrue();
        long behind = at - lab.lsn(node2);
        System.out.printf("eligibility: node2 is %d bytes behind the last primary position (maximum_lag %d)%n", behind, MAXIMUM_LAG);
        assertThat(behind).as("node2 is beyond maximum_lag").isGreaterThan(MAXIMUM_LAG);
        assertThat(FailoverLab.await(() -> lab.lsn(node3) >= at, java.time.Duration.ofSeconds(30)))
            .as("node3 (priority 0) has all of node1's WAL: the most advanced").isTrue();
        lab.killHost(node1);
      } finally {
        cluster.restoreLink(node2);
      }
      long killed = System.nanoTime();
      lab.assertNoneWritableFor(lab.others(node1), FailoverLab.TTL.plus(FailoverLab.LOOP_WAIT.multipliedBy(3)),
          "node2 is beyond maximum_lag and node3 has failover_priority 0: nothing is promoted");
      System.out.printf("eligibility: nothing promoted for %.1f s%n", (System.nanoTime() - killed) / 1e9);
      assertThat(lab.daemonLog(node2)).as("node2's daemon says why it is no candidate").contains("more than maximum_lag");
      assertThat(lab.daemonLog(node3)).as("node3's daemon says why it is no candidate")
          .contains("failover_priority 0: this host is never promoted");
      lab.assertNeverTwoWritable("eligibility", watch);
    }
  }
}
