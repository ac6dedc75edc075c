package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Three real daemons under {@code failover.mode: etcd} ({@link FailoverLab}) and a poller counting
 * writable servers every 100 ms: the primary's host dies (kill -9 of its postmaster and of its
 * daemon) while both replicas have replayed exactly the same WAL and have the same priority, so
 * both are candidates at once: exactly one takes the leader key and is promoted, the other follows
 * it, and the dead host's daemon, started again, brings it back as a replica.
 */
class FailoverCandidatesScenarioIT extends FailoverScenario {
  @Test
  @Order(1)
  void primaryHostDiesWithBothReplicasEquallyFarExactlyOneOfThemWins() {
    ClusterNode old = lab.awaitHealthy(FailoverLab.FORMATION);
    List<ClusterNode> candidates = lab.others(old);
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster)) {
      long[] at = new long[1];
      boolean equal = FailoverLab.await(() -> {
        at[0] = lab.lsn(old);
        return candidates.stream().allMatch(c -> lab.lsn(c) == at[0]);
      }, Duration.ofSeconds(30));
      assertThat(equal).as("both replicas at %s's WAL position %d: %s", old.name(), at[0],
          candidates.stream().map(c -> c.name() + "=" + lab.lsn(c)).toList()).isTrue();
      lab.killHost(old);
      long killed = System.nanoTime();

      boolean promoted = FailoverLab.await(() -> candidates.stream().anyMatch(lab::writable),
          FailoverLab.TTL.plus(FailoverLab.LOOP_WAIT).plusSeconds(10));
      assertThat(promoted).as(() -> String.format("a candidate is promoted within ttl + loop_wait + 10 s\n%s", lab.transcript())).isTrue();
      System.out.printf("two candidates: one writable %.1f s after the kill%n", (System.nanoTime() - killed) / 1e9);
      List<ClusterNode> writable = candidates.stream().filter(lab::writable).toList();
      assertThat(writable).as("exactly one candidate won").hasSize(1);
      ClusterNode winner = writable.get(0);
      ClusterNode loser = candidates.stream().filter(c -> c != winner).findFirst().orElseThrow();
      assertThat(lab.leader()).as("the winner holds the leader key").contains(winner.name());
      lab.assertNoneWritableFor(List.of(loser), FailoverLab.LOOP_WAIT.multipliedBy(3), "the loser stays a replica");
      cluster.awaitWalReceiverStreaming(loser);
      assertThat(cluster.psql(loser, "select sender_host from pg_stat_wal_receiver"))
          .as("%s follows the winner %s", loser.name(), winner.name()).isEqualTo(winner.address());

      lab.startDaemon(old);
      ClusterNode primary = lab.awaitHealthy(FailoverLab.FORMATION);
      assertThat(primary).isSameAs(winner);
      assertThat(lab.recovery(old)).as("%s, its daemon started again, rejoined as a replica", old.name()).isEqualTo("t");
      lab.assertNeverTwoWritable("two candidates", watch);
    }
  }
}
