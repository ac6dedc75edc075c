package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.NavigableSet;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Three real daemons under {@code failover.mode: etcd} ({@link FailoverLab}: ttl 20 s, loop_wait
 * 2 s, retry_timeout 5 s), an application writing the whole time and a poller counting writable
 * servers every 100 ms. First the primary's host is cut from etcd and from its peers (its link
 * down on the bridge): it must stop being writable before its lease can end, a replica takes
 * over, and once the link is back the old primary follows it.
 */
class FailoverCutScenarioIT extends FailoverScenario {
  @Test
  @Order(1)
  void primaryCutFromEtcdAndPeersIsNotWritableBeforeItsLeaseEndsAReplicaTakesOverAndItFollowsOnceBack() {
    ClusterNode old = lab.awaitHealthy(FailoverLab.FORMATION);
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster); Writer writer = Writer.startOverSessions(cluster, FailoverLab.TABLE, 1_000_000)) {
      assertThat(writer.awaitMore(20, 30_000)).as("the writer writes to %s", old.name()).isTrue();
      long[] cut = new long[1];
      long renewedEnd = lab.rightAfterARenewal(() -> {
        cluster.cutLink(old);
        cut[0] = System.nanoTime();
      });
      // nothing of node1's reaches etcd any more: the end etcd shows now is the end
      long leaseEnd = Math.max(renewedEnd, lab.leaseEndsAtTheEarliestNanos().orElse(0L));

      Optional<Long> notWritable = lab.awaitNotWritable(old, FailoverLab.TTL.plusSeconds(10));
      assertThat(notWritable).as(() -> String.format("%s stops being writable once cut off\n%s", old.name(), lab.transcript())).isPresent();
      System.out.printf("cut: %s not writable %.1f s after the cut; its lease ends %.1f s after the cut at the earliest"
          + " (ttl - margin = %d s)%n", old.name(), (notWritable.get() - cut[0]) / 1e9, (leaseEnd - cut[0]) / 1e9,
          FailoverLab.TTL.minus(FailoverLab.RETRY_TIMEOUT).toSeconds());
      assertThat(notWritable.get()).as(() -> String.format("%s not writable before its lease can end (%.1f s late)\n%s", old.name(),
          (notWritable.get() - leaseEnd) / 1e9, lab.transcript())).isLessThanOrEqualTo(leaseEnd);

      List<ClusterNode> replicas = lab.others(old);
      boolean promoted = FailoverLab.await(() -> replicas.stream().filter(lab::writable).count() == 1,
          FailoverLab.TTL.plus(FailoverLab.LOOP_WAIT).plusSeconds(10));
      long takenOver = System.nanoTime();
      assertThat(promoted).as(() -> String.format("a replica is promoted within ttl + loop_wait + 10 s of the cut\n%s", lab.transcript())).isTrue();
      ClusterNode winner = replicas.stream().filter(lab::writable).findFirst().orElseThrow();
      System.out.printf("cut: %s writable %.1f s after the cut%n", winner.name(), (takenOver - cut[0]) / 1e9);

      cluster.restoreLink(old);
      long restored = System.nanoTime();
      ClusterNode primary = lab.awaitHealthy(FailoverLab.FORMATION);
      System.out.printf("cut: %s follows %s %.1f s after its link came back%n", old.name(), primary.name(),
          (System.nanoTime() - restored) / 1e9);
      assertThat(primary).as("the new primary stays primary when the old one is back").isSameAs(winner);
      assertThat(lab.recovery(old)).as("%s rejoined as a replica", old.name()).isEqualTo("t");
      NavigableSet<Long> lost = lab.finish("cut", watch, writer, primary);
      System.out.printf("cut: %d acknowledged rows lost (asynchronous replication: what %s took while cut off)%n",
          lost.size(), old.name());
    }
  }
}
