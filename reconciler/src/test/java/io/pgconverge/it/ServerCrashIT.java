package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server whose postmaster was killed ({@code kill -9}, what the OOM killer does) is started
 * again by the next run, or by the daemon within moments, with crash recovery: the rows committed
 * before the crash are there after it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServerCrashIT {

  @Test
  void applyStartsAPrimaryWhosePostmasterWasKilledAndItsCommittedRowsAreThere() throws Exception {
    try (TestHost host = TestHost.create()) {
      Cli cli = new Cli(host);
      Psql psql = new Psql(host);
      Path run = host.dir().resolve("run");
      Files.createDirectories(run);
      Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxrwxrwx"));
      Path metrics = run.resolve("metrics.prom");
      String[] apply = {"apply", "--config", host.desiredStateFile().toString(),
          "--status-file", run.resolve("status.json").toString(), "--metrics-file", metrics.toString()};
      cli.run(apply).assertExit(2);
      psql.query("create table committed_before (id int); insert into committed_before select generate_series(1, 1000)");

      long killed = Postmasters.kill9(host.data());

      ProcessResult again = cli.run(apply).assertExit(2);
      assertThat(again.output()).as(again.describe()).contains("server had crashed; started again")
          .contains("PID " + killed);
      assertThat(psql.query("select count(*) from committed_before")).isEqualTo("1000");
      assertThat(psql.query("select pg_is_in_recovery()")).isEqualTo("f");
      assertThat(Postmasters.pidOf(host.data())).isNotEqualTo(killed);
      assertThat(TestHost.read(metrics)).contains("pgconverge_server_crash_restarts_total 1\n");
      ProcessResult third = cli.run(apply).assertExit(0);
      assertThat(TestHost.read(metrics)).as(third.describe()).contains("pgconverge_server_crash_restarts_total 1\n");
    }
  }

  @Test
  void theDaemonNoticesAKilledPostmasterWithinTwoSecondsAndStartsItAgain() {
    try (TestHost host = TestHost.create()) {
      host.desired().schedule("{every: 1h}");
      host.writeDesired();
      try (DaemonProcess daemon = DaemonProcess.start(host)) {
        daemon.awaitStatus(s -> s.path("result").asText().equals("changed") || s.path("result").asText().equals("in-sync"),
            Duration.ofSeconds(90));
        Psql psql = new Psql(host);
        psql.query("create table committed_before (id int); insert into committed_before values (1), (2), (3)");

        long killed = Postmasters.kill9(host.data());
        long t0 = System.nanoTime();
        daemon.awaitLogLine(l -> l.contains("the postmaster died"), Duration.ofSeconds(2));
        long noticedMs = (System.nanoTime() - t0) / 1_000_000;
        daemon.awaitLogLine(l -> l.contains("server had crashed; started again"), Duration.ofSeconds(60));
        long startedMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("daemon noticed the dead postmaster after " + noticedMs + " ms, server answered after " + startedMs + " ms");

        assertThat(psql.query("select count(*) from committed_before")).isEqualTo("3");
        assertThat(Postmasters.pidOf(host.data())).isNotEqualTo(killed);
        daemon.awaitMetrics(m -> Double.valueOf(1.0).equals(m.get("pgconverge_server_crash_restarts_total")), Duration.ofSeconds(10));
      }
    }
  }

  @Test
  void aReplicaWhosePostmasterWasKilledIsStartedAgainByApplyAndByTheDaemonAndStreamsOn() {
    try (Cluster cluster = Cluster.create(2)) {
      ClusterNode primary = cluster.primary();
      ClusterNode replica = cluster.node(2);
      convergeWithOneRow(cluster);

      long killed = Postmasters.kill9(replica.data());
      ProcessResult again = cluster.apply(replica).assertExit(2);
      assertThat(again.output()).as(again.describe()).contains("server had crashed; started again");
      assertThat(Postmasters.pidOf(replica.data())).isNotEqualTo(killed);
      cluster.awaitAllStreaming();
      assertThat(cluster.await(replica, "select count(*) from committed_before", "1", Duration.ofSeconds(30))).isEqualTo("1");

      try (BackgroundProcess daemon = cluster.startInNode(replica, java.util.List.of("daemon", "--config",
          replica.desiredStateFile().toString(), "--status-file", replica.dir().resolve("status.json").toString(),
          "--metrics-file", replica.dir().resolve("metrics.prom").toString()))) {
        awaitOutput(daemon, "run started", Duration.ofSeconds(60));
        awaitOutput(daemon, "result=", Duration.ofSeconds(60));
        cluster.psql(primary, "insert into committed_before values (2)");
        long second = Postmasters.kill9(replica.data());
        awaitOutput(daemon, "server had crashed; started again", Duration.ofSeconds(60));
        assertThat(Postmasters.pidOf(replica.data())).isNotEqualTo(second);
        assertThat(cluster.await(replica, "select count(*) from committed_before", "2", Duration.ofSeconds(30))).isEqualTo("2");
      }
    }
  }

  @Test
  void applyStartsAPrimaryOfAClusterWhosePostmasterWasKilledAndTheReplicaFollowsAgain() {
    try (Cluster cluster = Cluster.create(2)) {
      ClusterNode primary = cluster.primary();
      ClusterNode replica = cluster.node(2);
      convergeWithOneRow(cluster);

      Postmasters.kill9(primary.data());
      ProcessResult again = cluster.apply(primary).assertExit(2);
      assertThat(again.output()).as(again.describe()).contains("server had crashed; started again");
      assertThat(cluster.psql(primary, "select count(*) from committed_before")).isEqualTo("1");
      cluster.psql(primary, "insert into committed_before values (2)");
      cluster.awaitAllStreaming();
      assertThat(cluster.await(replica, "select count(*) from committed_before", "2", Duration.ofSeconds(30))).isEqualTo("2");
    }
  }

  /** Primary and replica converged and streaming, one row committed in committed_before. */
  private static void convergeWithOneRow(Cluster cluster) {
    cluster.apply(cluster.primary()).assertExit(2);
    cluster.apply(cluster.node(2)).assertExit(2);
    cluster.awaitAllStreaming();
    cluster.psql(cluster.primary(), "create table committed_before (id int); insert into committed_before values (1)");
  }

  private static void awaitOutput(BackgroundProcess p, String needle, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!p.result().output().contains(needle)) {
      if (System.nanoTime() > deadline || !p.isAlive()) {
        throw new AssertionError("no '" + needle + "' in the daemon's output\n" + p.result().describe());
      }
      Psql.sleep(50);
    }
  }
}
