package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.NavigableSet;
import org.junit.jupiter.api.Assumptions;

/**
 * The kill -9 rounds of {@link SynchronousReplicationIT} and {@link SynchronousReplicationRoundsIT}:
 * the primary killed while a writer commits, the replica with the highest received LSN promoted by
 * a pushed file, the other following it, the crashed node rejoining by rewind. The 20 synchronous
 * rounds (issue 13) are split between the two classes, 10 each on a cluster of its own, so that
 * the two test JVMs run them side by side instead of one after the other.
 */
final class SynchronousKillRounds {
  /** Rounds of kill -9 and promotion with {@code any 1}: 20 by default (the count); {@code -Dpgconverge.it.syncRounds=N} locally. */
  static final int SYNC_ROUNDS = Integer.getInteger("pgconverge.it.syncRounds", 20);
  /** The first {@link SynchronousReplicationIT}'s share of {@link #SYNC_ROUNDS}; the rest are {@link SynchronousReplicationRoundsIT}'s. */
  static final int FIRST_SHARE = (SYNC_ROUNDS + 1) / 2;
  /** The same rounds without the synchronous section, to count what asynchronous replication loses. */
  static final int ASYNC_ROUNDS = Integer.getInteger("pgconverge.it.asyncRounds", 5);

  private SynchronousKillRounds() {}

  /** Three nodes with {@code replication.synchronous: {method: any, number: 1}}, converged and streaming. */
  static Cluster synchronousCluster() {
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

  /**
   * {@code rounds} synchronous rounds (numbered from {@code first}, which also numbers the writer's
   * ids): every round's acknowledged ids on its new primary, asserted round by round.
   */
  static void synchronousRounds(Cluster cluster, int first, int rounds) {
    Rounds r = killAndPromote(cluster, first, rounds, true);
    System.out.printf("synchronous any 1: rounds %d..%d, %d commits acknowledged before the kills, %d missing on the new"
        + " primaries, %d ms per round (median)%n", first, first + rounds - 1, r.acknowledged, r.lost, r.medianMillis());
    assertThat(r.acknowledged).as("the writer committed in every round").isGreaterThanOrEqualTo(rounds * 15L);
    assertThat(r.lost).as("acknowledged commits missing on the promoted replica, %d rounds: %s", rounds, r.lostIds)
        .isZero();
  }

  /** What the rounds saw: commits acknowledged before each kill, those missing on the new primary, each round's time. */
  static final class Rounds {
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
   * {@code rounds} times: a writer commits on the primary (over one psql session per node, so that
   * its 15 commits take a fraction of a second instead of 15 process starts), its postmaster is
   * killed -9, the file pushed to every host promotes the replica with the highest received LSN
   * (read once both WAL receivers stopped streaming, so neither gets more), the other replica
   * follows it, the crashed node rejoins by rewind; then the acknowledged ids of the round are
   * looked up on the new primary (and, with {@code noneLost}, must all be there, round by round).
   */
  static Rounds killAndPromote(Cluster cluster, int first, int rounds, boolean noneLost) {
    Rounds out = new Rounds();
    cluster.psql(cluster.primary(), "create table t (n bigint primary key)");
    for (int round = first; round < first + rounds; round++) {
      long t0 = System.nanoTime();
      List<String> phases = new ArrayList<>();
      ClusterNode old = cluster.primary();
      List<ClusterNode> replicas = cluster.replicas();
      NavigableSet<Long> acknowledged;
      try (Writer writer = Writer.startOverSessions(cluster, "t", round * 1_000_000L)) {
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
      if (noneLost) {
        assertThat(missing).as("round %d: acknowledged commits missing on the promoted replica %s", round, next.name())
            .isEmpty();
      }
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
