package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
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
 * by a pushed file, every acknowledged commit is on it, round after round (the crashed node
 * rejoining by rewind each time); without the section the same rounds count what was lost.
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

  /** Rounds of kill -9 and promotion with {@code any 1}: 20 by default (the count); {@code -Dpgconverge.it.syncRounds=N} locally. */
  private static final int SYNC_ROUNDS = Integer.getInteger("pgconverge.it.syncRounds", 20);
  /** The same rounds without the synchronous section, to count what asynchronous replication loses. */
  private static final int ASYNC_ROUNDS = Integer.getInteger("pgconverge.it.asyncRounds", 5);

  @Test
  @Timeout(value = 25, unit = TimeUnit.MINUTES)
  void afterEachKillOfThePrimaryTheReplicaWithTheHighestReceivedLsnHoldsEveryAcknowledgedCommit() {
    try (Cluster cluster = synchronousCluster()) {
      Rounds r = killAndPromote(cluster, SYNC_ROUNDS);
      System.out.printf("synchronous any 1: %d rounds, %d commits acknowledged before the kills, %d missing on the new"
          + " primaries, %d ms per round (median)%n", SYNC_ROUNDS, r.acknowledged, r.lost, r.medianMillis());
      assertThat(r.acknowledged).as("the writer committed in every round").isGreaterThanOrEqualTo(SYNC_ROUNDS * 15L);
      assertThat(r.lost).as("acknowledged commits missing on the promoted replica, %d rounds: %s", SYNC_ROUNDS, r.lostIds)
          .isZero();
    }
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void withoutTheSynchronousSectionTheSameRoundsSayHowManyCommitsWereLost() {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    try (Cluster cluster = Cluster.create(3)) {
      cluster.writeDesired();
      for (ClusterNode n : cluster.nodes()) {
        cluster.apply(n).assertExit(2);
      }
      cluster.awaitAllStreaming();
      assertThat(cluster.psql(cluster.primary(), NAMES)).isEmpty();
      Rounds r = killAndPromote(cluster, ASYNC_ROUNDS);
      System.out.printf("asynchronous: %d rounds, %d commits acknowledged before the kills, %d LOST on the new primaries"
          + " %s, %d ms per round (median)%n", ASYNC_ROUNDS, r.acknowledged, r.lost, r.lostIds, r.medianMillis());
      assertThat(r.acknowledged).as("the writer committed in every round").isGreaterThanOrEqualTo(ASYNC_ROUNDS * 15L);
      assertThat(r.lost).as("lost commits are acknowledged ones").isBetween(0L, r.acknowledged);
    }
  }

  /** What the rounds saw: commits acknowledged before each kill, those missing on the new primary, each round's time. */
  private static final class Rounds {
    long acknowledged;
    long lost;
    final List<Long> lostIds = new ArrayList<>();
    final List<Long> millis = new ArrayList<>();

    long medianMillis() {
      List<Long> sorted = new ArrayList<>(millis);
      Collections.sort(sorted);
      return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
    }
  }

  /**
   * {@code rounds} times: a writer commits on the primary, its postmaster is killed -9, the file
   * pushed to every host promotes the replica with the highest received LSN (read once both WAL
   * receivers stopped streaming, so neither gets more), the other replica follows it, the crashed
   * node rejoins by rewind; then the acknowledged ids of the round are looked up on the new primary.
   */
  private static Rounds killAndPromote(Cluster cluster, int rounds) {
    Rounds out = new Rounds();
    cluster.psql(cluster.primary(), "create table t (n bigint primary key)");
    for (int round = 1; round <= rounds; round++) {
      long t0 = System.nanoTime();
      List<String> phases = new ArrayList<>();
      ClusterNode old = cluster.primary();
      List<ClusterNode> replicas = cluster.replicas();
      NavigableSet<Long> acknowledged;
      try (Writer writer = Writer.start(cluster, "t", round * 1_000_000L)) {
        assertThat(writer.awaitMore(15, 90_000)).as("round %d: the writer commits on %s", round, old.name()).isTrue();
        Postmasters.kill9(old.data());
        acknowledged = writer.acknowledged().headSet((round + 1) * 1_000_000L, false);
      }
      phases.add("writer+kill " + since(t0));
      for (ClusterNode r : replicas) {
        cluster.await(r, "select count(*) from pg_stat_wal_receiver where status = 'streaming'", "0", Duration.ofSeconds(20));
      }
      ClusterNode next = replicas.stream().max(Comparator.comparingLong(r -> Long.parseLong(
          cluster.psql(r, "select coalesce(pg_last_wal_receive_lsn() - '0/0', 0)::bigint")))).orElseThrow();
      phases.add("receivers stopped " + since(t0));
      old.role(false);
      next.role(true);
      cluster.writeDesired();
      for (int i = 0; i < 5 && !"f".equals(cluster.tryPsql(next, "select pg_is_in_recovery()").stdout().trim()); i++) {
        cluster.apply(next);
      }
      assertThat(cluster.psql(next, "select pg_is_in_recovery()")).as("round %d: %s promoted", round, next.name()).isEqualTo("f");
      phases.add("promoted " + since(t0));
      for (ClusterNode other : cluster.replicas()) {
        if (other != old) {
          cluster.apply(other);
        }
      }
      phases.add("other follows " + since(t0));
      for (int i = 0; i < 4 && !"t".equals(cluster.tryPsql(old, "select pg_is_in_recovery()").stdout().trim()); i++) {
        cluster.apply(old);
      }
      phases.add("old rewound " + since(t0));
      cluster.awaitAllStreaming();
      phases.add("all streaming " + since(t0));
      List<Long> missing = Arrays.stream(cluster.psql(next, "select coalesce(string_agg(a.n::text, ','), '') from unnest(array["
              + join(acknowledged) + "]::bigint[]) a(n) where not exists (select 1 from t where t.n = a.n)").split(","))
          .filter(x -> !x.isEmpty()).map(Long::parseLong).toList();
      out.acknowledged += acknowledged.size();
      out.lost += missing.size();
      out.lostIds.addAll(missing);
      out.millis.add((System.nanoTime() - t0) / 1_000_000);
      System.out.printf("round %d: %s killed, %s promoted, %d acknowledged, %d missing, %d ms (%s)%n", round, old.name(),
          next.name(), acknowledged.size(), missing.size(), out.millis.get(out.millis.size() - 1), String.join(", ", phases));
    }
    return out;
  }

  private static String since(long t0) {
    return (System.nanoTime() - t0) / 1_000_000 + " ms";
  }

  private static String join(NavigableSet<Long> values) {
    StringBuilder sb = new StringBuilder();
    for (Long v : values) {
      sb.append(sb.length() == 0 ? "" : ",").append(v);
    }
    return sb.toString();
  }
}
