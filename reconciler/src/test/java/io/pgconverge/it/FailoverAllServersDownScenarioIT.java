package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Every PostgreSQL server of a cluster under {@code failover.mode: etcd} goes down at once, on
 * three real daemons ({@link FailoverLab}), with a poller counting writable servers every 100 ms:
 * every postmaster killed -9 while the daemons live; then every postmaster and every daemon killed
 * -9 and the daemons started again at once; then the same, the daemons started only once the
 * leader key's lease ran out (a power cut longer than the ttl). Each time the cluster comes back by
 * itself: exactly one writable primary, the holder of the leader key, both others streaming from
 * it, every acknowledged row on it, never two writable at any poll. With nobody holding the key,
 * a stopped server is started read-only (standby.signal) so that it can be a candidate.
 *
 * <p>Before each fault the writer stops and all three servers are seen at the same WAL position:
 * replication is asynchronous, and a commit acknowledged in the last milliseconds before a power
 * cut may be on the primary alone; this test is about the cluster coming back, not that loss.
 */
class FailoverAllServersDownScenarioIT extends FailoverScenario {
  /** From the last kill to a healthy cluster: the lease running out (ttl), the read-only starts, a loop or two, the promotion, the others following. */
  private static final Duration BACK = FailoverLab.TTL.plusSeconds(60);
  private static final String READ_ONLY_START = "nobody holds the leader key: started read-only so it can be a candidate";

  /** Every writer of this class: each of their acknowledged rows must be on every later primary. */
  private final List<Writer> writers = new ArrayList<>();

  /** Writes until 20 inserts are acknowledged, stops, and waits until the three servers show the same WAL position. */
  private void writeThenQuiesce(long firstValue) {
    Writer writer = Writer.startOverSessions(cluster, FailoverLab.TABLE, firstValue);
    writers.add(writer);
    assertThat(writer.awaitMore(20, 30_000)).as("the writer writes\n%s", lab.transcript()).isTrue();
    writer.close();
    ClusterNode primary = writer.lastTarget();
    long[] at = new long[1];
    boolean equal = FailoverLab.await(() -> {
      at[0] = lab.lsn(primary);
      return lab.others(primary).stream().allMatch(r -> lab.lsn(r) == at[0]);
    }, Duration.ofSeconds(30));
    assertThat(equal).as("both replicas at %s's WAL position %d", primary.name(), at[0]).isTrue();
  }

  /** kill -9 of every postmaster in one command; returns when none is alive any more (bounded). */
  private long killEveryPostmaster() {
    List<Long> pids = new ArrayList<>();
    for (ClusterNode n : cluster.nodes()) {
      Optional<Long> pid = lab.postmasterPid(n);
      assertThat(pid).as("%s's postmaster.pid", n.name()).isPresent();
      pids.add(pid.get());
    }
    List<String> kill = new ArrayList<>(List.of("kill", "-KILL"));
    pids.forEach(p -> kill.add(Long.toString(p)));
    Processes.run(kill, Duration.ofSeconds(10));
    long killed = System.nanoTime();
    boolean gone = FailoverLab.await(() -> pids.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)),
        Duration.ofSeconds(10));
    assertThat(gone).as("every postmaster %s is gone after kill -9", pids).isTrue();
    return killed;
  }

  /** kill -9 of every daemon (first, so that none starts its server again), then of every postmaster at once. */
  private long killEverything() {
    cluster.nodes().forEach(lab::killDaemon);
    return killEveryPostmaster();
  }

  /**
   * After a fault: healthy within {@link #BACK}; the new primary takes writes; every row any writer
   * of this class had acknowledged is on it. Returns the primary.
   */
  private ClusterNode cameBack(String scenario, long killed, WritableWatch watch, long nextValue) {
    ClusterNode primary = lab.awaitHealthy(BACK);
    System.out.printf("%s: %s primary, both others streaming, %.1f s after the last kill%n", scenario, primary.name(),
        (System.nanoTime() - killed) / 1e9);
    assertThat(lab.leader()).as("the primary holds the leader key").contains(primary.name());
    for (ClusterNode r : lab.others(primary)) {
      assertThat(cluster.psql(r, "select sender_host from pg_stat_wal_receiver"))
          .as("%s streams from %s", r.name(), primary.name()).isEqualTo(primary.address());
    }
    for (Writer w : writers) {
      assertThat(lab.lost(w, primary)).as("%s: rows acknowledged before the fault and missing on %s", scenario, primary.name())
          .isEmpty();
    }
    Writer after = Writer.startOverSessions(cluster, FailoverLab.TABLE, nextValue);
    writers.add(after);
    assertThat(after.awaitMore(10, 30_000)).as("%s: the new primary takes writes\n%s", scenario, lab.transcript()).isTrue();
    assertThat(lab.finish(scenario, watch, after, primary)).as("%s: rows acknowledged by the new primary", scenario).isEmpty();
    return primary;
  }

  private static long count(String text, String phrase) {
    int n = 0;
    for (int i = text.indexOf(phrase); i >= 0; i = text.indexOf(phrase, i + phrase.length())) {
      n++;
    }
    return n;
  }

  @Test
  @Order(1)
  void everyPostmasterKilledWhileTheDaemonsLiveTheClusterComesBack() {
    lab.awaitHealthy(FailoverLab.FORMATION);
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster)) {
      writeThenQuiesce(6_000_000);
      long killed = killEveryPostmaster();
      cameBack("every postmaster killed", killed, watch, 6_100_000);
    }
  }

  @Test
  @Order(2)
  void everyPostmasterAndEveryDaemonKilledThenTheDaemonsStartedAgainTheClusterComesBack() {
    ClusterNode old = lab.awaitHealthy(FailoverLab.FORMATION);
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster)) {
      writeThenQuiesce(7_000_000);
      long before = count(lab.daemonLog(old), READ_ONLY_START);
      long killed = killEverything();
      cluster.nodes().forEach(lab::startDaemon);
      ClusterNode primary = cameBack("every postmaster and daemon killed, daemons started again", killed, watch, 7_100_000);
      System.out.printf("the former primary %s was %s%n", old.name(),
          count(lab.daemonLog(old), READ_ONLY_START) > before ? "started read-only while nobody held the key"
              : "started by a run under the new leader " + primary.name());
    }
  }

  @Test
  @Order(3)
  void everythingDownUntilTheLeaderKeyRanOutThenTheDaemonsStartedTheServersComeUpReadOnlyAndOneIsElected() {
    lab.awaitHealthy(FailoverLab.FORMATION);
    try (WritableWatch watch = WritableWatch.startOverSessions(cluster)) {
      writeThenQuiesce(8_000_000);
      long[] logged = cluster.nodes().stream().mapToLong(n -> count(lab.daemonLog(n), READ_ONLY_START)).toArray();
      long killed = killEverything();
      boolean ranOut = FailoverLab.await(() -> lab.leader().isEmpty(), FailoverLab.TTL.plusSeconds(10));
      assertThat(ranOut).as("the leader key's lease runs out with every daemon dead: %s", lab.etcdKeys()).isTrue();
      assertThat(lab.etcdValue("initialize")).as("the cluster is still initialized in etcd").isPresent();
      lab.assertNoneWritableFor(cluster.nodes(), Duration.ofSeconds(1), "everything is down");
      cluster.nodes().forEach(lab::startDaemon);
      ClusterNode primary = cameBack("power cut past the ttl", killed, watch, 8_100_000);
      int winner = cluster.nodes().indexOf(primary);
      assertThat(count(lab.daemonLog(primary), READ_ONLY_START))
          .as("the winner %s was a candidate because its run started it read-only while nobody held the key\n%s", primary.name(),
              lab.daemonLog(primary))
          .isGreaterThan(logged[winner]);
    }
  }
}
