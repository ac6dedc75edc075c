package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
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
 * Failover on three hosts (network namespaces): the primary's host dies (its server killed with
 * {@code pg_ctl -m immediate}, its link cut on the bridge). A file that still lists it but makes
 * node2 primary does not promote node2 (the dead host is silent, and silence is not proof); the
 * file without it does: node2 is promoted and node3 follows it without a new copy. Then the dead
 * host comes back soon, with writes it took alone, while node2's first checkpoint after the
 * promotion is still running (the primary was busy before it died): it must still be rewound onto
 * node2's new timeline. (pg_rewind before PostgreSQL 16 reads the source's timeline from its
 * control file, which a just-promoted server updates only when that checkpoint completes.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class FailoverIT {
  static final String TABLE = "t";

  private Cluster cluster;
  private Daemons daemons;
  private Object node3DataInode;

  @BeforeAll
  void convergedClusterWithRows() throws Exception {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    cluster = Cluster.create(3);
    Assumptions.assumeTrue(cluster.lab().isolated(), "needs network namespaces: "
        + cluster.lab().fallbackReason().orElse(""));
    daemons = new Daemons(cluster);
    convergeWithRows(cluster, daemons);
    // a busy primary: thousands of pages the replicas replay and keep dirty (no checkpoint
    // follows before node1 dies), so node2's first checkpoint after its promotion takes minutes
    cluster.psql(cluster.primary(), "create table bulk (id int, pad text);"
        + " insert into bulk select g, repeat('x', 400) from generate_series(1, 80000) g");
    for (ClusterNode r : cluster.replicas()) {
      assertThat(cluster.await(r, "select count(*) from bulk", "80000", Cluster.STREAMING_TIMEOUT))
          .isEqualTo("80000");
    }
    node3DataInode = Files.getAttribute(cluster.node(3).data(), "unix:ino");
  }

  @AfterAll
  void removeCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void fileStillListingTheSilentDeadPrimaryDoesNotPromote() {
    ClusterNode node1 = cluster.node(1);
    ClusterNode node2 = cluster.node(2);
    ClusterNode node3 = cluster.node(3);
    killHost(cluster, node1);

    node1.role(false);
    node2.role(true);
    cluster.writeDesired(node2, node3);
    daemons.reset();
    for (int i = 0; i < 2; i++) {
      Daemons.Run run = daemons.round(List.of(node2, node3)).get(0);
      assertThat(run.result().exitCode()).as(run.result().describe()).isIn(4, 6);
      assertThat(run.result().output())
          .as("node2 refuses: node1 does not answer, and silence is not proof\n" + run.result().describe())
          .containsIgnoringCase("silence is not proof");
      RoleChecks.assertInRecovery(cluster, node2);
    }
    assertThat(daemons.said(node2, "-> promoted")).as(daemons.transcript()).isFalse();
  }

  @Test
  @Order(2)
  void fileWithoutTheDeadPrimaryPromotesNode2AndNode3FollowsWithoutACopy() throws Exception {
    ClusterNode node1 = cluster.node(1);
    ClusterNode node2 = cluster.node(2);
    ClusterNode node3 = cluster.node(3);
    if (!Files.exists(node1.data().resolve("postmaster.pid"))) {
      // test 1 ran: node1 is dead already
    } else {
      killHost(cluster, node1);
    }
    node1.role(false).listed(false);
    node2.role(true);
    cluster.writeDesired(node2, node3);
    daemons.reset();

    daemons.untilStable(List.of(node2, node3));

    assertThat(daemons.said(node2, "-> promoted")).as(daemons.transcript()).isTrue();
    assertThat(daemons.said(node2, "no longer lists")).as("the reason to promote is named\n"
        + daemons.transcript()).isTrue();
    RoleChecks.assertTakesWrites(cluster, node2, TABLE, 1001);
    RoleChecks.assertInRecovery(cluster, node3);
    RoleChecks.assertAllStreamFrom(cluster, node2);
    assertThat(cluster.psql(node2, Cluster.streamingReplicasSql())).isEqualTo("node3");

    cluster.psql(node2, "insert into " + TABLE + " select generate_series(1002, 1100)");
    assertThat(cluster.await(node3, "select count(*) from " + TABLE + " where n between 1001 and 1100",
            "100", Cluster.STREAMING_TIMEOUT))
        .as("rows written on node2 are read on node3").isEqualTo("100");
    assertThat(cluster.psql(node3, "select count(*) from " + TABLE + " where n between 1 and 100"))
        .as("rows from before the failover are still on node3").isEqualTo("100");

    assertThat(cluster.psql(node3, "select received_tli from pg_stat_wal_receiver"))
        .as("node3 follows node2's new timeline").isEqualTo("2");
    assertThat(Files.getAttribute(node3.data(), "unix:ino"))
        .as("node3's PGDATA is the same directory: no new copy was taken").isEqualTo(node3DataInode);
    assertThat(daemons.said(node3, "pg_basebackup")).as(daemons.transcript()).isFalse();

    assertThat(cluster.await(node2, "select coalesce(string_agg(slot_name || ':' || active, ',' order by slot_name), '')"
            + " from pg_replication_slots where slot_name like 'pgc\\_%'", "pgc_node3:true",
            Cluster.STREAMING_TIMEOUT))
        .as("the new primary keeps an active slot for node3 and none for the unlisted node1")
        .isEqualTo("pgc_node3:true");
  }

  @Test
  @Order(3)
  void deadHostBackSoonAfterTheFailoverIsRewoundOntoTheNewTimeline() {
    Assumptions.assumeFalse(cluster.node(1).isListed(), "the failover (test 2) did not run");
    RejoinIT.comeBackWithLoneWritesAndRejoin(cluster, daemons);
  }

  /** Converges node1 primary, node2 and node3 replicas; table t with rows 1..100 everywhere. */
  static void convergeWithRows(Cluster cluster, Daemons daemons) {
    for (ClusterNode n : cluster.nodes()) {
      daemons.applyOnce(n);
    }
    cluster.awaitAllStreaming();
    cluster.psql(cluster.primary(), "create table " + TABLE + " (n bigint primary key);"
        + " insert into " + TABLE + " select generate_series(1, 100)");
    for (ClusterNode r : cluster.replicas()) {
      assertThat(cluster.await(r, "select count(*) from " + TABLE, "100", Cluster.STREAMING_TIMEOUT))
          .isEqualTo("100");
    }
  }

  /** The host dies: its server killed ({@code pg_ctl -m immediate stop}), its link cut. */
  static void killHost(Cluster cluster, ClusterNode node) {
    cluster.pgCtl(node, "-m", "immediate", "-w", "-t", "60", "stop").assertExit(0);
    cluster.cutLink(node);
  }
}
