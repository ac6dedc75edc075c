package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code replication.synchronous} on three hosts (network namespaces): the primary, and only the
 * primary, gets synchronous_standby_names; with both standbys down a commit waits and status says
 * why; after the primary is killed -9 and the replica with the highest received LSN is promoted
 * by a pushed file, every acknowledged commit is on it, round after round (the crashed node
 * rejoining by rewind each time): the first half of the rounds ({@link SynchronousKillRounds});
 * the second half, and the same rounds without the section counting what was lost, are {@link
 * SynchronousReplicationRoundsIT}'s.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SynchronousReplicationIT {
  private static final String NAMES = "show synchronous_standby_names";

  @Test
  void withBothStandbysStoppedACommitWaitsStatusSaysWhyAndAStandbyBackReleasesIt() throws Exception {
    try (Cluster cluster = SynchronousKillRounds.synchronousCluster()) {
      ClusterNode primary = cluster.node(1);
      assertThat(cluster.psql(primary, NAMES).trim()).isEqualTo("ANY 1 (\"node2\", \"node3\")");
      assertThat(cluster.psql(cluster.node(2), NAMES).trim()).isEmpty();
      assertThat(cluster.psql(cluster.node(3), NAMES).trim()).isEmpty();
      assertThat(cluster.apply(primary).exitCode()).as("a second run changes nothing").isZero();
      cluster.psql(primary, "create table t (n bigint primary key)");

      cluster.stopServer(cluster.node(2));
      cluster.stopServer(cluster.node(3));
      CompletableFuture<ProcessResult> commit =
          CompletableFuture.supplyAsync(() -> cluster.tryPsql(primary, "insert into t values (1)"));
      Thread.sleep(3000);
      assertThat(commit).as("the commit waits for a standby").isNotDone();
      assertThat(cluster.psql(primary, "select count(*) from t where n = 1"))
          .as("nothing is acknowledged: another session does not see the waiting row").isEqualTo("0");
      assertThat(cluster.psql(primary, "select count(*) from pg_stat_activity where wait_event = 'SyncRep'").trim())
          .isEqualTo("1");

      ProcessResult status = cluster.pgconverge(primary, "status", "--config", primary.desiredStateFile().toString());
      assertThat(status.output()).as(status.describe()).contains("node2        -                not connected")
          .contains("waiting    commits wait for standbys: 0 of the 1 needed stream");
      ProcessResult check = cluster.check(primary);
      assertThat(check.output()).as(check.describe()).contains("commits wait for standbys: 0 of the 1 needed stream");

      cluster.apply(cluster.node(2));
      ProcessResult released = commit.get(60, TimeUnit.SECONDS);
      assertThat(released.exitCode()).as(released.describe()).isZero();
      assertThat(cluster.psql(cluster.node(2), "select count(*) from t where n = 1").trim()).isEqualTo("1");
    }
  }

  @Test
  @Timeout(value = 25, unit = TimeUnit.MINUTES)
  void afterEachKillOfThePrimaryTheReplicaWithTheHighestReceivedLsnHoldsEveryAcknowledgedCommitTheFirstTen() {
    try (Cluster cluster = SynchronousKillRounds.synchronousCluster()) {
      SynchronousKillRounds.synchronousRounds(cluster, 1, SynchronousKillRounds.FIRST_SHARE);
    }
  }
}
