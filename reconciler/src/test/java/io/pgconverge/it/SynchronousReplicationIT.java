package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.NavigableSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code replication.synchronous} on three hosts (network namespaces): the primary, and only the
 * primary, gets synchronous_standby_names; with both standbys down a commit waits and status says
 * why; after the primary is killed -9 and the replica with the highest received LSN is promoted
 * by a pushed file, every acknowledged commit is on it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SynchronousReplicationIT {
  private static final String NAMES = "show synchronous_standby_names";

  private static Cluster synchronousCluster() {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    Cluster cluster = Cluster.create(3);
    cluster.synchronous("{method: any, number: 1}");
    cluster.writeDesired();
    for (ClusterNode n : cluster.nodes()) {
      cluster.apply(n).assertExit(2);
    }
    cluster.awaitAllStreaming();
    return cluster;
  }

  @Test
  void withBothStandbysStoppedACommitWaitsStatusSaysWhyAndAStandbyBackReleasesIt() throws Exception {
    try (Cluster cluster = synchronousCluster()) {
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
  void theReplicaWithTheHighestReceivedLsnHoldsEveryAcknowledgedCommitAfterTheprimaryIsKilled() throws Exception {
    try (Cluster cluster = synchronousCluster()) {
      ClusterNode old = cluster.node(1);
      cluster.psql(old, "create table t (n bigint primary key)");
      NavigableSet<Long> acknowledged;
      ClusterNode next;
      try (Writer writer = Writer.start(cluster, "t", 1)) {
        assertThat(writer.awaitMore(100, 60_000)).isTrue();
        Postmasters.kill9(old.data());
        ClusterNode a = cluster.node(2);
        ClusterNode b = cluster.node(3);
        String lsnA = cluster.psql(a, "select pg_last_wal_receive_lsn() - '0/0'").trim();
        String lsnB = cluster.psql(b, "select pg_last_wal_receive_lsn() - '0/0'").trim();
        next = Long.parseLong(lsnA) >= Long.parseLong(lsnB) ? a : b;
        ClusterNode other = next == a ? b : a;
        acknowledged = writer.acknowledged();

        old.listed(false);
        old.role(false);
        next.role(true);
        cluster.writeDesired(next, other);
        for (int round = 0; round < 5 && !"f".equals(cluster.tryPsql(next, "select pg_is_in_recovery()").output().trim()); round++) {
          cluster.apply(next);
        }
        cluster.apply(other);
        assertThat(cluster.psql(next, "select pg_is_in_recovery()").trim()).isEqualTo("f");
        assertThat(cluster.psql(next, NAMES).trim()).isEqualTo("ANY 1 (\"" + other.name() + "\")");
        assertThat(writer.awaitMore(20, 60_000)).as("the writer commits on the new primary").isTrue();
      }
      String missing = cluster.psql(next, "select count(*) from unnest(array[" + join(acknowledged)
          + "]::bigint[]) a(n) where not exists (select 1 from t where t.n = a.n)").trim();
      assertThat(missing).as(acknowledged.size() + " acknowledged before the kill; missing on " + next.name()).isEqualTo("0");
    }
  }

  private static String join(NavigableSet<Long> values) {
    StringBuilder sb = new StringBuilder();
    for (Long v : values) {
      sb.append(sb.length() == 0 ? "" : ",").append(v);
    }
    return sb.toString();
  }
}
