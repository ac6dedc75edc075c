package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * {@code replication.synchronous: {method: any, number: 1}} under {@code failover.mode: etcd}:
 * three daemons in their namespaces, etcd in a fourth, a writer recording each acknowledged id.
 * Each round the primary's host is lost (its daemon and its postmaster killed -9); the failover
 * happens by itself, and every id acknowledged so far is on the new primary; the lost node's
 * daemon started again brings it back as a replica (by rewind). {@code
 * -Dpgconverge.it.etcdSyncRounds=N} rounds (default 2; each takes about ttl + rejoin, ~45-90 s
 * here at ttl 20 s). ttl 20 s, loop_wait 2 s, retry_timeout 5 s, as EtcdFailoverDaemonIT.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.MINUTES)
class EtcdSynchronousFailoverIT {
  private static final int ROUNDS = Integer.getInteger("pgconverge.it.etcdSyncRounds", 2);
  private static final String NAMESPACE = "/pgconverge-it";
  private static final String TABLE = "t";

  private Cluster cluster;
  private EtcdCluster etcd;
  private final Process[] daemons = new Process[3];

  @BeforeAll
  void threeDaemonsWithAnyOneFormTheCluster() throws Exception {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    cluster = Cluster.create(3, 1);
    Assumptions.assumeTrue(cluster.lab().isolated(), "needs network namespaces: " + cluster.lab().fallbackReason().orElse(""));
    etcd = EtcdCluster.startIn(cluster.lab(), cluster.outsiderHost(1));
    String endpoints = String.join(", ", etcd.endpoints().stream().map(Object::toString).toList());
    cluster.failover("{mode: etcd, etcd: {endpoints: [" + endpoints + "], namespace: " + NAMESPACE + "}, ttl: 20s, loop_wait: 2s,"
        + " retry_timeout: 5s, maximum_lag: 16MB}");
    cluster.synchronous("{method: any, number: 1}");
    cluster.writeDesired();
    for (ClusterNode n : cluster.nodes()) {
      startDaemon(n);
    }
    ClusterNode node1 = cluster.node(1);
    await("node1 writable, holding the key, both replicas streaming", Duration.ofSeconds(240),
        () -> leader().filter("node1"::equals).isPresent() && writable(node1) && streamingFrom(node1) == 2);
    cluster.psql(node1, "create table " + TABLE + " (n bigint primary key)");
  }

  @AfterAll
  void stopEverything() {
    for (int i = 0; i < 3; i++) {
      killDaemon(i);
    }
    if (cluster != null) {
      for (ClusterNode n : cluster.nodes()) {
        System.out.println("---- " + n.name() + " daemon log (tail)\n" + logTail(n, 60));
      }
    }
    if (etcd != null) {
      etcd.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void thePrimarysHostLostEachRoundTheNewPrimaryHoldsEveryAcknowledgedId() throws Exception {
    try (WritableWatch watch = WritableWatch.start(cluster); Writer writer = Writer.start(cluster, TABLE, 1)) {
      for (int round = 1; round <= ROUNDS; round++) {
        ClusterNode old = cluster.nodes().stream().filter(this::writable).findFirst().orElseThrow();
        assertThat(writer.awaitMore(10, 60_000)).as("round %d: the application writes to %s", round, old.name()).isTrue();
        killDaemon(old.index() - 1);
        killPostmaster(old);
        long killed = System.nanoTime();
        ClusterNode[] promoted = new ClusterNode[1];
        await("round " + round + ": a replica promoted and the other streaming from it", Duration.ofSeconds(120), () -> {
          List<ClusterNode> w = cluster.nodes().stream().filter(n -> n != old && writable(n)).toList();
          if (w.size() == 1 && streamingFrom(w.get(0)) == 1) {
            promoted[0] = w.get(0);
            return true;
          }
          return false;
        });
        ClusterNode primary = promoted[0];
        System.out.printf("round %d: %s lost -> %s promoted, the other streaming, after %.1f s%n", round, old.name(), primary.name(),
            (System.nanoTime() - killed) / 1e9);
        NavigableSet<Long> acknowledged = new TreeSet<>(writer.acknowledged());
        TreeSet<Long> present = rows(primary);
        List<Long> missing = acknowledged.stream().filter(n -> !present.contains(n)).toList();
        assertThat(missing).as("round %d: acknowledged ids (of %d) missing on the new primary %s", round, acknowledged.size(),
            primary.name()).isEmpty();
        assertThat(writer.awaitMore(10, 60_000)).as("round %d: the application writes to %s", round, primary.name()).isTrue();
        startDaemon(old);
        long restarted = System.nanoTime();
        await("round " + round + ": " + old.name() + " a replica streaming from " + primary.name(), Duration.ofSeconds(180),
            () -> inRecovery(old) && streamingFrom(primary) == 2);
        System.out.printf("round %d: %s back as a replica after %.1f s%n", round, old.name(), (System.nanoTime() - restarted) / 1e9);
      }
      writer.close();
      watch.close();
      assertThat(watch.twoWritable()).as("polls (of %d) with two writable", watch.polls()).isEmpty();
      ClusterNode last = cluster.nodes().stream().filter(this::writable).findFirst().orElseThrow();
      TreeSet<Long> present = rows(last);
      assertThat(writer.acknowledged().stream().filter(n -> !present.contains(n)).toList())
          .as("after %d rounds, acknowledged ids (of %d) missing on %s", ROUNDS, writer.acknowledged().size(), last.name()).isEmpty();
      System.out.printf("%d rounds, %d ids acknowledged, none lost%n", ROUNDS, writer.acknowledged().size());
    }
  }

  // ------------------------------------------------------------------------------------------

  private Optional<String> leader() {
    try {
      return etcd.value(NAMESPACE + "/itcluster/leader");
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private Path log(ClusterNode n) {
    return n.dir().resolve("daemon.log");
  }

  private void startDaemon(ClusterNode n) throws IOException {
    List<String> args = List.of("daemon", "--config", n.desiredStateFile().toString(),
        "--status-file", n.dir().resolve("run/status.json").toString(), "--metrics-file", n.dir().resolve("run/metrics.prom").toString());
    ProcessBuilder pb = new ProcessBuilder(cluster.lab().command(n.index(), Cli.command(args)))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log(n).toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
    daemons[n.index() - 1] = pb.start();
  }

  /** SIGKILL of the daemon we started and everything below it, as when its host dies. */
  private void killDaemon(int i) {
    Process p = daemons[i];
    if (p == null) {
      return;
    }
    List<ProcessHandle> tree = new ArrayList<>(List.of(p.toHandle()));
    p.descendants().forEach(tree::add);
    tree.forEach(ProcessHandle::destroyForcibly);
    try {
      p.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    daemons[i] = null;
  }

  private void killPostmaster(ClusterNode n) throws IOException {
    long pid = Long.parseLong(Files.readAllLines(n.data().resolve("postmaster.pid")).get(0).trim());
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < until) {
      Psql.sleep(50);
    }
  }

  private boolean writable(ClusterNode n) {
    ProcessResult r = cluster.tryPsql(n, "select pg_is_in_recovery()");
    return r.exitCode() == 0 && r.stdout().trim().equals("f");
  }

  private boolean inRecovery(ClusterNode n) {
    ProcessResult r = cluster.tryPsql(n, "select pg_is_in_recovery()");
    return r.exitCode() == 0 && r.stdout().trim().equals("t");
  }

  private int streamingFrom(ClusterNode primary) {
    ProcessResult r = cluster.tryPsql(primary, "select count(*) from pg_stat_replication where state = 'streaming'");
    return r.exitCode() == 0 ? Integer.parseInt(r.stdout().trim()) : -1;
  }

  private TreeSet<Long> rows(ClusterNode n) {
    TreeSet<Long> s = new TreeSet<>();
    for (String line : cluster.psql(n, "select n from " + TABLE).split("\n")) {
      if (!line.isBlank()) {
        s.add(Long.parseLong(line.trim()));
      }
    }
    return s;
  }

  private void await(String what, Duration timeout, BooleanSupplier condition) {
    long until = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        StringBuilder logs = new StringBuilder();
        for (ClusterNode n : cluster.nodes()) {
          logs.append("\n---- ").append(n.name()).append(" daemon log (tail)\n").append(logTail(n, 40));
        }
        throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what + "; leader key: " + leader().orElse("(none)") + logs);
      }
      Psql.sleep(250);
    }
  }

  private String logTail(ClusterNode n, int lines) {
    try {
      List<String> all = Files.readAllLines(log(n));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
