package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
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
 * Planned switchovers on three hosts (network namespaces), the way config management does them:
 * the desired-state file with the roles swapped is pushed to one host after the other, each host
 * running {@code apply} round after round (standing in for its daemon) while an application
 * writes the whole time and a poller watches that never two nodes accept writes.
 *
 * <p>One cluster goes round: node1 to node2 (the file reaches the new primary first), node2 to
 * node3 (the old primary first), node3 to node1 (the third host first). Each switchover starts
 * from the previous one's end state, so a failed one skips the rest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SwitchoverIT {
  private static final String TABLE = "t";

  private Cluster cluster;
  private Daemons daemons;
  private String broken;

  @BeforeAll
  void convergedCluster() {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    cluster = Cluster.create(3);
    Assumptions.assumeTrue(cluster.lab().isolated(), "needs network namespaces: "
        + cluster.lab().fallbackReason().orElse(""));
    daemons = new Daemons(cluster);
    for (ClusterNode n : cluster.nodes()) {
      daemons.applyOnce(n);
    }
    cluster.awaitAllStreaming();
    cluster.psql(cluster.primary(), "create table " + TABLE + " (n bigint primary key)");
  }

  @AfterAll
  void removeCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void node1ToNode2WithTheFilePushedToTheNewPrimaryFirst() {
    ClusterNode node1 = cluster.node(1);
    ClusterNode node2 = cluster.node(2);
    ClusterNode node3 = cluster.node(3);

    switchover(node1, node2, List.of(node2, node1, node3), 1_000_000);

    Daemons.Run first = daemons.runs().get(0);
    assertThat(first.node()).isSameAs(node2);
    assertThat(first.result().output())
        .as("the new primary's first run, while node1 still has the old file, refuses to promote\n"
            + first.result().describe())
        .containsIgnoringCase("still accepts writes");
    assertThat(first.result().exitCode()).as(first.result().describe()).isIn(4, 6);
  }

  @Test
  @Order(2)
  void node2ToNode3WithTheFilePushedToTheOldPrimaryFirst() {
    ClusterNode node1 = cluster.node(1);
    ClusterNode node2 = cluster.node(2);
    ClusterNode node3 = cluster.node(3);

    switchover(node2, node3, List.of(node2, node3, node1), 2_000_000);

    Daemons.Run first = daemons.runs().get(0);
    assertThat(first.node()).isSameAs(node2);
    assertThat(first.result().output())
        .as("the old primary's first run stops its server and waits for node3, still a replica\n"
            + first.result().describe())
        .containsIgnoringCase("waiting for the new primary");
  }

  @Test
  @Order(3)
  void node3ToNode1WithTheFilePushedToTheThirdHostFirst() {
    ClusterNode node1 = cluster.node(1);
    ClusterNode node2 = cluster.node(2);
    ClusterNode node3 = cluster.node(3);

    switchover(node3, node1, List.of(node2, node1, node3), 3_000_000);
  }

  /**
   * Switches the primary from {@code from} to {@code to}, pushing the file to {@code pushOrder}
   * one host per round (every host applies in every round), then rounds until stable; checks the
   * end state as a DBA would.
   */
  private void switchover(ClusterNode from, ClusterNode to, List<ClusterNode> pushOrder, long base) {
    Assumptions.assumeTrue(broken == null, "an earlier switchover failed: " + broken);
    broken = "switchover " + from.name() + " to " + to.name() + " failed";
    assertThat(cluster.primary()).isSameAs(from);
    RoleChecks.assertInRecovery(cluster, to);
    long started = System.nanoTime();

    NavigableSet<Long> beforeSwitch;
    NavigableSet<Long> acknowledged;
    List<String> twoWritable;
    int polls;
    // over one psql session per node: a poll or an insert costs a round trip instead of a process
    // start (three per poll, one per insert), which the three applies of each round need the CPU for
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster);
        Writer writer = Writer.startOverSessions(cluster, TABLE, base)) {
      assertThat(writer.awaitMore(20, 20_000)).as("the writer writes on " + from.name()).isTrue();
      beforeSwitch = writer.acknowledged();

      daemons.reset();
      from.role(false);
      to.role(true);
      for (ClusterNode pushed : pushOrder) {
        cluster.writeDesired(pushed);
        daemons.round(pushOrder);
      }
      daemons.untilStable(pushOrder);

      assertThat(writer.awaitMore(20, 30_000))
          .as("the writer finds the new primary; refusals so far " + writer.refusals()).isTrue();
      assertThat(writer.lastTarget()).as("the writer's inserts land on the new primary").isSameAs(to);
      writer.close();
      watch.close();
      acknowledged = writer.acknowledged();
      twoWritable = watch.twoWritable();
      polls = watch.polls();
      System.out.printf("switchover %s -> %s (push order %s): %d ms, %d rows acknowledged (%d before"
              + " the switch), %d failed inserts, %d polls, writable per poll %s%n",
          from.name(), to.name(), pushOrder.stream().map(ClusterNode::name).toList(),
          (System.nanoTime() - started) / 1_000_000, acknowledged.size(), beforeSwitch.size(),
          writer.refusals(), polls, watch.histogram());
    }

    assertThat(twoWritable).as("polls (of %d) in which two nodes answered pg_is_in_recovery() = f", polls)
        .isEmpty();
    assertThat(polls).as("the poller ran throughout").isGreaterThan(20);

    RoleChecks.assertTakesWrites(cluster, to, TABLE, base + 900_000);
    for (ClusterNode r : cluster.replicas()) {
      RoleChecks.assertInRecovery(cluster, r);
    }
    RoleChecks.assertAllStreamFrom(cluster, to);

    List<Set<Long>> rows = RoleChecks.rowsEverywhereAfterReplay(cluster, TABLE, base + 900_001);
    for (ClusterNode n : cluster.nodes()) {
      Set<Long> have = rows.get(n.index() - 1);
      assertThat(RoleChecks.missing(beforeSwitch, have))
          .as("rows acknowledged before the switch began, missing on %s", n.name()).isEmpty();
      List<Long> lostLater = RoleChecks.missing(acknowledged, have);
      if (!lostLater.isEmpty()) {
        System.out.println("NOTE: rows acknowledged during the switch but missing on " + n.name()
            + ": " + lostLater);
      }
      assertThat(lostLater).as("rows acknowledged at any time, missing on %s", n.name()).isEmpty();
    }

    assertThat(daemons.said(from, "stepping down|step down"))
        .as("%s's reconciler said it stepped down\n%s", from.name(), daemons.transcript()).isTrue();
    assertThat(daemons.said(from, "no rewind required|was discarded"))
        .as("%s's reconciler reported its rejoin (rewind)\n%s", from.name(), daemons.transcript()).isTrue();
    assertThat(daemons.said(to, "-> promoted"))
        .as("%s's reconciler promoted it\n%s", to.name(), daemons.transcript()).isTrue();

    assertThat(cluster.await(to, "select coalesce(string_agg(slot_name || ':' || active, ',' order by slot_name), '')"
            + " from pg_replication_slots where slot_name like 'pgc\\_%'",
            RoleChecks.expectedSlots(cluster), Cluster.STREAMING_TIMEOUT))
        .as("the new primary keeps an active slot per replica").isEqualTo(RoleChecks.expectedSlots(cluster));
    for (ClusterNode r : cluster.replicas()) {
      assertThat(cluster.psql(r, "show primary_slot_name")).isEqualTo(r.slotName());
      assertThat(RoleChecks.pgcSlots(cluster, r))
          .as("%s, a replica now, keeps no pgc_* slot", r.name()).isEmpty();
    }
    broken = null;
  }
}
