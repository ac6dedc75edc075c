package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.NavigableSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code replication.synchronous: {method: any, number: 1}} under {@code failover.mode: etcd}:
 * three daemons in their namespaces, etcd in a fourth ({@link FailoverLab}), a writer recording
 * each acknowledged id. Each round the primary's host is lost (its daemon and its postmaster
 * killed -9); the failover happens by itself, and every id acknowledged so far is on the new
 * primary, and no poll (~100 ms) ever saw a node accept writes without its list, not even the new
 * primary right after its promotion; the lost node's daemon started again brings it back as a
 * replica (by rewind). {@code
 * -Dpgconverge.it.etcdSyncRounds=N} rounds (default 2; each takes about ttl + rejoin, ~25-90 s
 * here at ttl 20 s). The writer keeps writing to the new primary while the ids are compared, so
 * {@link FailoverLab#lost} copies the acknowledged ids before it reads the table: read the other
 * way round, ids the new primary acknowledged during the read looked lost (the "last 2
 * acknowledged ids missing" this class was disabled for on loaded runs).
 */
@Timeout(value = 60, unit = TimeUnit.MINUTES)
class EtcdSynchronousFailoverIT extends FailoverScenario {
  private static final int ROUNDS = Integer.getInteger("pgconverge.it.etcdSyncRounds", 2);

  @Override
  void configure(FailoverLab lab) {
    lab.cluster().synchronous("{method: any, number: 1}");
  }

  /** The scenario's name in the summary lines. */
  String scenario() {
    return "synchronous any 1 under etcd";
  }

  /** Waits, bounded, for what a round's automatic failover needs beyond a healthy cluster; nothing under {@code any}. */
  void beforeTheLoss(int round) {}

  @Test
  @Order(1)
  void thePrimarysHostLostEachRoundTheNewPrimaryHoldsEveryAcknowledgedId() {
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster);
        Writer writer = Writer.startOverSessions(cluster, FailoverLab.TABLE, 1)) {
      ClusterNode primary = lab.awaitHealthy(FailoverLab.FORMATION);
      for (int round = 1; round <= ROUNDS; round++) {
        ClusterNode old = primary;
        assertThat(writer.awaitMore(10, 60_000)).as("round %d: the application writes to %s", round, old.name()).isTrue();
        beforeTheLoss(round);
        lab.killHost(old);
        long killed = System.nanoTime();
        boolean promoted = FailoverLab.await(() -> lab.others(old).stream().filter(lab::writable).count() == 1,
            Duration.ofSeconds(120));
        assertThat(promoted).as("round %d: a replica promoted\n%s", round, lab.transcript()).isTrue();
        primary = lab.others(old).stream().filter(lab::writable).findFirst().orElseThrow();
        System.out.printf("round %d: %s lost -> %s promoted after %.1f s%n", round, old.name(), primary.name(),
            (System.nanoTime() - killed) / 1e9);
        NavigableSet<Long> missing = lab.lost(writer, primary);
        ClusterNode promotedNow = primary;
        int thisRound = round;
        assertThat(missing).as(() -> String.format("round %d: acknowledged ids (of %d) missing on the new primary %s\n%s", thisRound,
            writer.acknowledged().size(), promotedNow.name(), lab.transcript())).isEmpty();
        assertThat(watch.writableWithoutList()).as(() -> String.format("round %d: polls at which a node accepted writes with no"
            + " synchronous_standby_names (its commits acknowledged without a standby)\n%s", thisRound, lab.transcript())).isEmpty();
        assertThat(writer.awaitMore(10, 60_000)).as("round %d: the application writes to %s", round, primary.name()).isTrue();
        lab.startDaemon(old);
        long restarted = System.nanoTime();
        assertThat(lab.awaitHealthy(Duration.ofSeconds(180))).as("round %d: %s back as a replica", round, old.name())
            .isSameAs(primary);
        System.out.printf("round %d: %s back as a replica after %.1f s%n", round, old.name(), (System.nanoTime() - restarted) / 1e9);
      }
      assertThat(lab.finish(scenario() + ", " + ROUNDS + " rounds", watch, writer, primary))
          .as("acknowledged ids missing after %d rounds", ROUNDS).isEmpty();
    }
  }
}
