package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A pushed switchover node1 -> node2 with {@code replication.synchronous: {method: any, number: 1}}
 * while an application writes: each node's synchronous_standby_names, polled every ~100 ms, is
 * right at every step (a node that accepts writes always has its list, the new primary from its
 * first writable moment; a replica never has one; the old primary's goes when it steps down), and
 * no acknowledged row is lost.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class SynchronousSwitchoverIT {
  private static final String TABLE = "t";
  private static final Map<String, String> LIST_AS_PRIMARY = Map.of(
      "node1", "ANY 1 (\"node2\", \"node3\")",
      "node2", "ANY 1 (\"node1\", \"node3\")");

  @Test
  void node1ToNode2UnderTheWriterKeepsEveryNodesListRightAndLosesNoAcknowledgedRow() {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    try (Cluster cluster = Cluster.create(3)) {
      Assumptions.assumeTrue(cluster.lab().isolated(), "needs network namespaces: " + cluster.lab().fallbackReason().orElse(""));
      cluster.synchronous("{method: any, number: 1}");
      cluster.writeDesired();
      Daemons daemons = new Daemons(cluster);
      for (ClusterNode n : cluster.nodes()) {
        daemons.applyOnce(n);
      }
      cluster.awaitAllStreaming();
      ClusterNode node1 = cluster.node(1);
      ClusterNode node2 = cluster.node(2);
      ClusterNode node3 = cluster.node(3);
      assertThat(cluster.psql(node1, "show synchronous_standby_names")).isEqualTo(LIST_AS_PRIMARY.get("node1"));
      cluster.psql(node1, "create table " + TABLE + " (n bigint primary key)");

      NavigableSet<Long> acknowledged;
      List<Map<String, SyncNamesWatch.Seen>> polls;
      SyncNamesWatch watch = SyncNamesWatch.start(cluster);
      try (Writer writer = Writer.start(cluster, TABLE, 1_000_000)) {
        assertThat(writer.awaitMore(10, 90_000)).as("the writer writes on node1").isTrue();
        daemons.reset();
        node1.role(false);
        node2.role(true);
        List<ClusterNode> order = List.of(node2, node1, node3);
        for (ClusterNode pushed : order) {
          cluster.writeDesired(pushed);
          daemons.round(order);
        }
        daemons.untilStable(order, java.time.Duration.ofMinutes(5)); // applies took 20-80 s each on a loaded 2-core machine
        assertThat(writer.awaitMore(10, 180_000)).as("the writer finds node2; refusals " + writer.refusals()).isTrue();
        assertThat(writer.lastTarget()).isSameAs(node2);
        writer.close();
        acknowledged = writer.acknowledged();
      } finally {
        watch.close();
      }
      polls = watch.polls();
      for (ClusterNode n : cluster.nodes()) {
        System.out.println(n.name() + " through the switchover: " + watch.transitions(n.name()));
      }

      assertThat(polls.size()).as("the poller ran throughout").isGreaterThan(20);
      for (Map<String, SyncNamesWatch.Seen> poll : polls) {
        long writable = poll.values().stream().filter(SyncNamesWatch.Seen::writable).count();
        assertThat(writable).as("never two writable: %s", poll).isLessThanOrEqualTo(1);
        poll.forEach((node, seen) -> {
          if (seen.writable()) {
            assertThat(seen.names()).as("%s accepts writes, so it must have its list: %s", node, poll)
                .isEqualTo(LIST_AS_PRIMARY.get(node));
          }
        });
        assertThat(poll.get("node3").down() || poll.get("node3").names().isEmpty())
            .as("node3, a replica throughout, never has a list: %s", poll).isTrue();
      }
      assertThat(watch.transitions("node2")).as("node2 was seen accepting writes").anyMatch(SyncNamesWatch.Seen::writable);
      List<SyncNamesWatch.Seen> node1Seen = watch.transitions("node1");
      int lastWritable = lastIndexWhere(node1Seen, true);
      assertThat(node1Seen.subList(lastWritable + 1, node1Seen.size()))
          .as("node1 after it stopped accepting writes: down, or a replica without a list: %s", node1Seen)
          .allMatch(s -> s.down() || (!s.writable() && s.names().isEmpty()));
      String now = "select pg_is_in_recovery() || ' ' || current_setting('synchronous_standby_names')";
      assertThat(cluster.psql(node2, now)).as("node2 at the end").isEqualTo("false " + LIST_AS_PRIMARY.get("node2"));
      assertThat(cluster.psql(node1, now)).as("node1 at the end: a replica without a list").isEqualTo("true");
      assertThat(cluster.psql(node3, now)).as("node3 at the end").isEqualTo("true");

      RoleChecks.assertAllStreamFrom(cluster, node2);
      List<Set<Long>> rows = RoleChecks.rowsEverywhereAfterReplay(cluster, TABLE, 1_900_001);
      for (ClusterNode n : cluster.nodes()) {
        assertThat(RoleChecks.missing(acknowledged, rows.get(n.index() - 1)))
            .as("rows acknowledged at any time (%d), missing on %s", acknowledged.size(), n.name()).isEmpty();
      }
      assertThat(daemons.said(node2, "-> promoted")).as(daemons.transcript()).isTrue();
    }
  }

  private static int lastIndexWhere(List<SyncNamesWatch.Seen> seen, boolean writable) {
    for (int i = seen.size() - 1; i >= 0; i--) {
      if (seen.get(i).writable() == writable) {
        return i;
      }
    }
    return -1;
  }
}
