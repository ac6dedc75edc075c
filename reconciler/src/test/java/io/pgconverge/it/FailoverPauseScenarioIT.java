package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * An operator's pause of three real daemons under {@code failover.mode: etcd} ({@link
 * FailoverLab}), with an application writing and a poller counting writable servers every 100 ms.
 * The cluster is paused and the primary's host dies: nothing is promoted for longer than ttl +
 * loop_wait; resumed, a replica is promoted; the dead host's daemon, started again, follows it.
 */
class FailoverPauseScenarioIT extends FailoverScenario {
  @Test
  @Order(1)
  void pausedNothingIsPromotedWhenThePrimaryHostDiesResumedAReplicaIs() {
    ClusterNode old = lab.awaitHealthy(FailoverLab.FORMATION);
    List<ClusterNode> replicas = lab.others(old);
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster)) {
      lab.pause(old).assertExit(0);
      Psql.sleep(FailoverLab.LOOP_WAIT.multipliedBy(2).toMillis()); // every daemon's loop has seen the pause key
      lab.killHost(old);
      long killed = System.nanoTime();
      lab.assertNoneWritableFor(replicas, FailoverLab.TTL.plus(FailoverLab.LOOP_WAIT.multipliedBy(3)),
          "paused: nothing is promoted after the primary's host died");
      assertThat(lab.leader()).as("%s's lease ran out, and nobody took the key while paused", old.name()).isEmpty();

      lab.resume(replicas.get(0)).assertExit(0);
      long resumed = System.nanoTime();
      boolean promoted = FailoverLab.await(() -> replicas.stream().anyMatch(lab::writable),
          FailoverLab.LOOP_WAIT.multipliedBy(2).plusSeconds(15));
      assertThat(promoted).as(() -> String.format("resumed: a replica is promoted within 2 loops + 15 s\n%s", lab.transcript())).isTrue();
      System.out.printf("pause: nothing promoted for %.1f s; resumed: a replica writable %.1f s later%n",
          (resumed - killed) / 1e9, (System.nanoTime() - resumed) / 1e9);

      lab.startDaemon(old);
      ClusterNode primary = lab.awaitHealthy(FailoverLab.FORMATION);
      assertThat(replicas).contains(primary);
      assertThat(lab.recovery(old)).as("%s, its daemon started again, rejoined as a replica", old.name()).isEqualTo("t");
      lab.assertNeverTwoWritable("pause", watch);
    }
  }
}
