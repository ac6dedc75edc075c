package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * All of etcd stops answering (SIGSTOP of its three members) under three real daemons in {@code
 * failover.mode: etcd} ({@link FailoverLab}), with an application writing and a poller counting
 * writable servers every 100 ms. With {@code failsafe: true} pushed first and every peer up and
 * streaming from it, the primary stays writable through the whole outage. Then, back to the
 * default (failsafe false), the primary stops being writable before its lease can end and nothing
 * is promoted: no writes anywhere rather than two writers. After each outage etcd is thawed and
 * the cluster heals.
 */
class FailoverEtcdOutageScenarioIT extends FailoverScenario {
  @Test
  @Order(2)
  void allOfEtcdFrozenThePrimaryIsNotWritableBeforeItsLeaseEndsAndNothingIsPromoted() {
    ClusterNode primary = lab.awaitHealthy(FailoverLab.FORMATION);
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster); Writer writer = Writer.startOverSessions(cluster, FailoverLab.TABLE, 2_000_000)) {
      assertThat(writer.awaitMore(20, 30_000)).isTrue();
      Runnable freeze = lab.etcdFreezer();
      long[] at = new long[1];
      long leaseEnd;
      try {
        leaseEnd = lab.rightAfterARenewal(() -> {
          freeze.run();
          at[0] = System.nanoTime();
        });
        long frozen = at[0];
        Optional<Long> notWritable = lab.awaitNotWritable(primary, FailoverLab.TTL.plusSeconds(10));
        assertThat(notWritable).as(() -> String.format("%s stops being writable with etcd frozen\n%s", primary.name(), lab.transcript())).isPresent();
        System.out.printf("etcd frozen: %s not writable %.1f s after the freeze; its lease ends %.1f s after it at the earliest%n",
            primary.name(), (notWritable.get() - frozen) / 1e9, (leaseEnd - frozen) / 1e9);
        assertThat(notWritable.get()).as(() -> String.format("not writable before the lease can end (%.1f s late)\n%s",
            (notWritable.get() - leaseEnd) / 1e9, lab.transcript())).isLessThanOrEqualTo(leaseEnd);
        lab.assertNoneWritableFor(cluster.nodes(), FailoverLab.LOOP_WAIT.multipliedBy(3), "etcd frozen: nothing is promoted");
      } finally {
        lab.etcd().thawAll();
      }
      long thawed = System.nanoTime();
      ClusterNode healed = lab.awaitHealthy(FailoverLab.FORMATION);
      System.out.printf("etcd thawed: %s primary, both others streaming, %.1f s later%n", healed.name(), (System.nanoTime() - thawed) / 1e9);
      lab.finish("etcd frozen", watch, writer, healed);
    }
  }

  @Test
  @Order(1)
  void withFailsafeAndEveryPeerStreamingThePrimaryStaysWritableThroughTheOutage() {
    ClusterNode primary = lab.awaitHealthy(FailoverLab.FORMATION);
    lab.failsafe(true).writeDesired();
    // every daemon reads the pushed file and its next loops carry failsafe: a few loops
    Psql.sleep(FailoverLab.LOOP_WAIT.multipliedBy(4).toMillis());
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster); Writer writer = Writer.startOverSessions(cluster, FailoverLab.TABLE, 3_000_000)) {
      assertThat(writer.awaitMore(20, 30_000)).isTrue();
      lab.etcd().freezeAll();
      long frozen = System.nanoTime();
      int before;
      try {
        before = writer.acknowledged().size();
        long until = frozen + FailoverLab.TTL.plus(FailoverLab.LOOP_WAIT.multipliedBy(3)).toNanos();
        while (System.nanoTime() < until) {
          if (!lab.writable(primary)) {
            throw new AssertionError(String.format("failsafe: %s not writable %.1f s into the outage%n%s", primary.name(),
                (System.nanoTime() - frozen) / 1e9, lab.transcript()));
          }
          Psql.sleep(200);
        }
        System.out.printf("failsafe: %s writable through %.1f s of etcd frozen (ttl %d s)%n", primary.name(),
            (System.nanoTime() - frozen) / 1e9, FailoverLab.TTL.toSeconds());
        assertThat(writer.acknowledged().size()).as("commits acknowledged during the outage").isGreaterThan(before + 20);
      } finally {
        lab.etcd().thawAll();
      }
      ClusterNode healed = lab.awaitHealthy(FailoverLab.FORMATION);
      assertThat(healed).as("the primary is still the primary once etcd is back").isSameAs(primary);
      assertThat(lab.finish("failsafe", watch, writer, healed)).as("nothing lost: no role changed").isEmpty();
    } finally {
      lab.failsafe(false).writeDesired();
    }
  }
}
