package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The second half of {@link SynchronousReplicationIT}'s kill -9 rounds, on a cluster of its own
 * (a class of its own so that the two test JVMs run the halves side by side): with {@code
 * replication.synchronous} every acknowledged commit is on the promoted replica, round after round;
 * without the section the same rounds count what was lost.
 */
@Timeout(value = 25, unit = TimeUnit.MINUTES)
class SynchronousReplicationRoundsIT {
  @Test
  void afterEachKillOfThePrimaryTheReplicaWithTheHighestReceivedLsnHoldsEveryAcknowledgedCommitTheSecondTen() {
    int rounds = SynchronousKillRounds.SYNC_ROUNDS - SynchronousKillRounds.FIRST_SHARE;
    Assumptions.assumeTrue(rounds > 0, "-Dpgconverge.it.syncRounds=" + SynchronousKillRounds.SYNC_ROUNDS
        + " leaves no round for the second half");
    try (Cluster cluster = SynchronousKillRounds.synchronousCluster()) {
      SynchronousKillRounds.synchronousRounds(cluster, SynchronousKillRounds.FIRST_SHARE + 1, rounds);
    }
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void withoutTheSynchronousSectionTheSameRoundsSayHowManyCommitsWereLost() {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    int rounds = SynchronousKillRounds.ASYNC_ROUNDS;
    try (Cluster cluster = Cluster.create(3)) {
      cluster.writeDesired();
      for (ClusterNode n : cluster.nodes()) {
        cluster.apply(n).assertExit(2);
      }
      cluster.awaitAllStreaming();
      assertThat(cluster.psql(cluster.primary(), "show synchronous_standby_names")).isEmpty();
      SynchronousKillRounds.Rounds r = SynchronousKillRounds.killAndPromote(cluster, 1, rounds, false);
      System.out.printf("asynchronous: %d rounds, %d commits acknowledged before the kills, %d LOST on the new primaries"
          + " %s, %d ms per round (median)%n", rounds, r.acknowledged, r.lost, r.lostIds, r.medianMillis());
      assertThat(r.acknowledged).as("the writer committed in every round").isGreaterThanOrEqualTo(rounds * 15L);
      assertThat(r.lost).as("lost commits are acknowledged ones").isBetween(0L, r.acknowledged);
    }
  }
}
