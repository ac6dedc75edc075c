package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drift on a converged two-node cluster (node1 primary, node2 replica), made by hand the way an
 * admin or an accident would, is found and fixed by the next run. Each test gets a fresh cluster.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReplicaDriftIT {
  private static final Pattern APPLICATION_NAME =
      Pattern.compile("application_name\\s*=\\s*('?)node2\\1");

  private Cluster cluster;
  private ClusterNode primary;
  private ClusterNode replica;

  @BeforeEach
  void convergeTwoNodes() {
    cluster = Cluster.create(2);
    primary = cluster.primary();
    replica = cluster.node(2);
    cluster.apply(primary).assertExit(2);
    cluster.apply(replica).assertExit(2);
    cluster.awaitAllStreaming();
  }

  @AfterEach
  void removeCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void restoresPrimaryConninfoEditedByHandAndStreamsAgain() throws Exception {
    String managed = TestHost.read(replica.postgresqlConf());
    Matcher m = APPLICATION_NAME.matcher(managed);
    assertThat(m.find()).as("primary_conninfo in postgresql.conf names application_name=node2:\n%s",
        managed).isTrue();
    TestHost.edit(replica.postgresqlConf(), m.replaceFirst("application_name=$1edited_by_hand$1"));
    cluster.psql(replica, "select pg_reload_conf()");

    ProcessResult check = cluster.check(replica).assertExit(2);
    ProcessResult apply = cluster.apply(replica).assertExit(2);

    assertThat(check.driftLines()).as(check.describe()).isNotEmpty();
    assertThat(apply.driftLines()).as(apply.describe())
        .anyMatch(l -> l.contains("primary_conninfo") || l.contains("postgresql.conf"));
    assertThat(TestHost.read(replica.postgresqlConf())).isEqualTo(managed);
    cluster.awaitAllStreaming();
    assertThat(cluster.psql(primary, "select application_name from pg_stat_replication"))
        .isEqualTo("node2");
  }

  @Test
  void recreatesRemovedStandbySignal() throws Exception {
    Files.delete(replica.standbySignal());

    ProcessResult apply = cluster.apply(replica).assertExit(2);

    assertThat(apply.driftLines()).as(apply.describe())
        .anyMatch(l -> l.contains("standby"));
    assertThat(replica.standbySignal()).exists();
    assertThat(Files.getOwner(replica.standbySignal()).getName()).isEqualTo(PostgresUser.NAME);
    assertThat(cluster.psql(replica, "select pg_is_in_recovery()")).isEqualTo("t");
    cluster.awaitWalReceiverStreaming(replica);
  }

  @Test
  void recreatesSlotDroppedOnThePrimaryAndReplicaStreamsThroughIt() {
    cluster.stopServer(replica);
    cluster.await(primary,
        "select active from pg_replication_slots where slot_name = 'pgc_node2'", "f",
        Cluster.STREAMING_TIMEOUT);
    cluster.psql(primary, "select pg_drop_replication_slot('pgc_node2')");

    ProcessResult onPrimary = cluster.apply(primary).assertExit(2);

    assertThat(onPrimary.driftLines()).as(onPrimary.describe())
        .anyMatch(l -> l.contains("pgc_node2"));
    assertThat(cluster.psql(primary,
            "select slot_type from pg_replication_slots where slot_name = 'pgc_node2'"))
        .isEqualTo("physical");

    cluster.apply(replica).assertExit(2);

    cluster.awaitAllStreaming();
    assertThat(cluster.await(primary,
            "select active from pg_replication_slots where slot_name = 'pgc_node2'", "t",
            Cluster.STREAMING_TIMEOUT))
        .isEqualTo("t");
  }

  /**
   * A switchover's follower repoints while the new primary may not have made its slot yet: the
   * first attempt fails and PostgreSQL waits its 5 s wal_retrieve_retry_interval before the next.
   * The apply that repoints stays with the WAL receiver and wakes the startup process out of that
   * wait once the slot is there, so the replica streams when the apply ends, not seconds later.
   */
  @Test
  void aReplicaRepointedAtASlotNotMadeYetStreamsWhenItsApplyEnds() throws Exception {
    String managed = TestHost.read(replica.postgresqlConf());
    assertThat(managed).contains("primary_slot_name = pgc_node2\n");
    TestHost.edit(replica.postgresqlConf(), managed.replace("primary_slot_name = pgc_node2\n", "primary_slot_name = ''\n"));
    cluster.psql(replica, "select pg_reload_conf()");
    cluster.await(primary, "select active from pg_replication_slots where slot_name = 'pgc_node2'", "f",
        Cluster.STREAMING_TIMEOUT);
    cluster.psql(primary, "select pg_drop_replication_slot('pgc_node2')");
    cluster.awaitWalReceiverStreaming(replica);

    try (BackgroundProcess apply = cluster.startApply(replica)) {
      String waiting = cluster.await(replica,
          "select wait_event from pg_stat_activity where backend_type = 'startup'", "RecoveryRetrieveRetryInterval",
          Duration.ofSeconds(2));
      assertThat(waiting).as("the replica's first attempt through the missing slot failed").isEqualTo("RecoveryRetrieveRetryInterval");
      cluster.psql(primary, "select pg_create_physical_replication_slot('pgc_node2', true)");
      assertThat(apply.waitForExit(Cli.TIMEOUT)).isTrue();
      ProcessResult r = apply.result();

      assertThat(r.exitCode()).as(r.describe()).isEqualTo(2);
      assertThat(cluster.psql(replica, "select status, slot_name from pg_stat_wal_receiver"))
          .as("the WAL receiver the moment the apply ended\n%s", r.describe()).isEqualTo("streaming|pgc_node2");
      assertThat(r.output()).contains("the WAL receiver streams from", "through slot pgc_node2",
          "woken out of PostgreSQL's retry wait");
    }
    assertThat(TestHost.read(replica.postgresqlConf())).isEqualTo(managed);
  }

  @Test
  void reportsMaxConnectionsLowerOnTheReplicaThanOnThePrimary() {
    cluster.psql(primary, "ALTER SYSTEM SET max_connections = 300");
    cluster.restartServer(primary);
    assertThat(cluster.psql(primary, "show max_connections")).isEqualTo("300");

    ProcessResult apply = cluster.apply(replica);

    assertThat(apply.exitCode()).as(apply.describe()).isIn(2, 4, 6);
    assertThat(apply.driftLines()).as(apply.describe())
        .anyMatch(l -> l.contains("max_connections"));
  }
}
