package io.pgconverge.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgconverge.host.TestCrashHook;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * A replica that received more WAL than the promoted one is rewound and follows it. Three hosts
 * (network namespaces), file mode. Each round: the replica to be promoted is held back (its server
 * stopped; a cut link is not enough, the primary's kernel still delivers what it had buffered once
 * the link is back) while the primary takes rows the other replica receives; the primary's server
 * is stopped immediately (a crash) and the held-back replica started again; the file makes it the
 * primary.
 * It is promoted onto a timeline that forked off before what the other replica replayed, so that
 * replica's server can only log "new timeline forked off ... before current recovery point": its
 * reconciler must stop it, rewind it from the new primary (the WAL thrown away named) and start it
 * streaming on the new timeline, the rows only it had gone and the new primary's rows on it. The
 * old primary rejoins by the former-primary path. Then the same with the replica's reconciler
 * killed -9 at each step boundary of that path (after standby.signal went, before and after
 * pg_rewind, and while pg_rewind runs): the next run finishes the job. Roles rotate each round.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class DivergedReplicaRewindIT {
  private static final String TABLE = FailoverIT.TABLE;

  private Cluster cluster;
  private Daemons daemons;
  private int round;
  private String broken;

  @BeforeAll
  void convergedCluster() {
    Assumptions.assumeTrue(PostgresUser.testsRunAsRoot(), "needs root for network namespaces");
    cluster = Cluster.create(3);
    Assumptions.assumeTrue(cluster.lab().isolated(), "needs network namespaces: " + cluster.lab().fallbackReason().orElse(""));
    daemons = new Daemons(cluster);
    FailoverIT.convergeWithRows(cluster, daemons);
  }

  @AfterAll
  void removeCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void aReplicaThatReceivedMoreWalThanThePromotedOneIsRewoundInTheSameRunAndFollowsIt() {
    broken = "the first round failed";
    Round r = diverge();
    Daemons.Run run = daemons.applyOnce(r.diverged);
    assertThat(run.result().output()).as("one run stops, rewinds and starts it\n" + run.result().describe())
        .contains("cannot follow " + r.promoted.name())
        .contains("was discarded");
    converge(r, List.of(), false);
    broken = null;
  }

  @Test
  @Order(2)
  void killedAfterItsStandbySignalWentTheNextRunStopsAndRewindsIt() {
    killedAt("before:StopServer");
  }

  @Test
  @Order(3)
  void killedBeforePgRewindTheNextRunRewindsIt() {
    killedAt("before:Rewind");
  }

  @Test
  @Order(4)
  void killedAfterPgRewindBeforeTheStartTheNextRunStartsItAsAReplicaWithoutASecondRewind() {
    killedAt("after:Rewind");
  }

  @Test
  @Order(5)
  void killedWhilePgRewindRunsTheNextRunWaitsForItThenStartsTheRewoundCopy() throws IOException {
    Assumptions.assumeTrue(broken == null, broken);
    broken = "the round with pgconverge killed during pg_rewind failed";
    Round r = diverge();
    Path mark = cluster.root().resolve("rewind-kill-" + round);
    Files.createDirectories(mark);
    Files.setPosixFilePermissions(mark, PosixFilePermissions.fromString("rwxrwxrwx"));
    r.diverged.pgBin(killingRewindBin(cluster.root().resolve("killing-rewind-bin-" + round), mark));
    cluster.writeDesired(r.diverged);
    try {
      ProcessResult killed = cluster.apply(r.diverged);
      assertThat(mark.resolve("killed")).as("pg_rewind started and killed pgconverge\n" + killed.describe()).exists();
      assertThat(killed.exitCode()).as(killed.describe()).isNotIn(0, 2);
      ProcessResult beside = cluster.apply(r.diverged);
      assertThat(mark.resolve("running")).as("the left-behind pg_rewind still ran when the next run ended\n" + beside.describe())
          .exists();
      assertThat(beside.output()).as("the next run waits for the pg_rewind left behind\n" + beside.describe())
          .contains("still rewinds").doesNotContain("rewound from");
      assertThat(beside.exitCode()).as(beside.describe()).isNotIn(0, 2);
      assertThat(mark.resolve("second-rewind")).as("no second pg_rewind beside the first").doesNotExist();
      awaitGone(mark.resolve("running"));
      String log = Files.readString(mark.resolve("pg_rewind.log"));
      System.out.println("pg_rewind after pgconverge died: " + log.trim());
      assertThat(log).as("the left-behind pg_rewind did the rewind").contains("servers diverged at WAL location").contains("exit 0");
      assertThat(r.diverged.standbySignal()).as("never a standby.signal before the rewind is done").doesNotExist();
    } finally {
      r.diverged.pgBin(TestHost.PG_BIN);
      cluster.writeDesired(r.diverged);
    }
    converge(r, List.of(), true);
    broken = null;
  }

  /** The diverged replica's reconciler killed at {@code point} of its first run; the next runs converge. */
  private void killedAt(String point) {
    Assumptions.assumeTrue(broken == null, broken);
    broken = "the round killed at " + point + " failed";
    Round r = diverge();
    ProcessResult killed = Processes.run(cluster.lab().command(r.diverged.index(),
        Cli.command(List.of("apply", "--config", r.diverged.desiredStateFile().toString()))),
        Map.of(TestCrashHook.VARIABLE, point), Cli.TIMEOUT);
    assertThat(killed.output()).as("the run was killed at %s\n%s", point, killed.describe())
        .contains("TEST crash hook: SIGKILL at " + point);
    assertThat(cluster.tryPsql(r.diverged, "select 1").exitCode() != 0 || !Files.exists(r.diverged.standbySignal()))
        .as("killed at %s: stopped, or still running without standby.signal", point).isTrue();
    converge(r, killed.lines(), killed.output().contains("SIGKILL at after:Rewind"));
    broken = null;
  }

  /** Who was the primary, who is promoted, who diverged, and the rows only the diverged one has. */
  private record Round(ClusterNode old, ClusterNode promoted, ClusterNode diverged, long first, long last) {}

  /**
   * The current primary takes rows the promoted-to-be replica does not get (its server stopped),
   * the other replica replays them; the primary's server is stopped immediately, the held-back one
   * started again, and the file making the held-back replica primary goes to every host; the held-back one is
   * promoted. Returns the round.
   */
  private Round diverge() {
    round++;
    ClusterNode old = cluster.primary();
    List<ClusterNode> replicas = cluster.replicas();
    ClusterNode promoted = replicas.get(round % 2);
    ClusterNode diverged = replicas.get((round + 1) % 2);
    long first = round * 10_000L;
    long last = first + 99;

    cluster.stopServer(promoted);
    cluster.psql(old, "insert into " + TABLE + " select generate_series(" + first + ", " + last + ")");
    assertThat(cluster.await(diverged, "select count(*) from " + TABLE + " where n between " + first + " and " + last, "100",
        Cluster.STREAMING_TIMEOUT)).as("%s replayed the rows %s took", diverged.name(), old.name()).isEqualTo("100");
    cluster.pgCtl(old, "-m", "immediate", "-w", "-t", "60", "stop").assertExit(0);
    cluster.pgCtl(promoted, "-w", "-t", "60", "-l", promoted.dir().resolve("held-back-" + round + ".log").toString(), "start")
        .assertExit(0);
    assertThat(cluster.psql(promoted, "select count(*) from " + TABLE + " where n between " + first + " and " + last))
        .as("%s was held back", promoted.name()).isEqualTo("0");

    old.role(false);
    promoted.role(true);
    cluster.writeDesired();
    daemons.reset();
    Daemons.Run promotion = daemons.applyOnce(promoted);
    assertThat(daemons.said(promoted, "-> promoted")).as(promotion.result().describe()).isTrue();
    cluster.psql(promoted, "insert into " + TABLE + " select generate_series(" + (first + 5000) + ", " + (first + 5009) + ")");
    String tli = timeline(promoted);
    System.out.printf("round %d: %s primary (was %s), %s diverged: replayed %s; %s's timeline %s history: %s%n", round,
        promoted.name(), old.name(), diverged.name(), cluster.tryPsql(diverged, "select pg_last_wal_replay_lsn()").output().trim(),
        promoted.name(), tli, cluster.tryPsql(promoted, "select pg_read_file('pg_wal/' || lpad(upper(to_hex(" + tli + ")), 8, '0')"
            + " || '.history')").output().trim().replace('\n', ' '));
    return new Round(old, promoted, diverged, first, last);
  }

  /**
   * Every host converges; then what a DBA checks on the diverged replica ({@code killedRun}: the
   * lines of its run that was killed, whose rewind may be the one that did the work; {@code
   * rewoundBefore}: a rewind finished before the next run, which must start that copy and not
   * rewind it again).
   */
  private void converge(Round r, List<String> killedRun, boolean rewoundBefore) {
    daemons.untilStable(List.of(r.promoted, r.diverged, r.old), java.time.Duration.ofSeconds(300));
    ClusterNode y = r.diverged;
    RoleChecks.assertInRecovery(cluster, y);
    RoleChecks.assertAllStreamFrom(cluster, r.promoted);
    assertThat(cluster.psql(y, "select received_tli from pg_stat_wal_receiver"))
        .as("%s streams on %s's timeline", y.name(), r.promoted.name()).isEqualTo(timeline(r.promoted));
    List<String> rewound = Stream.concat(killedRun.stream(), daemons.linesOf(y).stream()).filter(l -> l.contains("was discarded"))
        .toList();
    System.out.println(y.name() + "'s rewind report: " + rewound);
    if (rewoundBefore) {
      // a second pg_rewind would first run crash recovery on the rewound copy, forking its WAL from the primary's
      assertThat(daemons.linesOf(y)).as("%s's next run starts the rewound copy as it is\n%s", y.name(), daemons.transcript())
          .anyMatch(l -> l.contains("rewound by pg_rewind and not started since"))
          .noneMatch(l -> l.contains("no rewind required") || l.contains("rewound from"));
    } else {
      assertThat(rewound).as("%s's rewind names the WAL it threw away\n%s", y.name(), daemons.transcript())
          .anyMatch(l -> l.matches(".*histories diverged at [0-9A-F]+/[0-9A-F]+ on timeline \\d+;"
              + " local WAL from [0-9A-F]+/[0-9A-F]+ to [0-9A-F]+/[0-9A-F]+ on timeline \\d+ was discarded.*"));
    }
    assertThat(cluster.await(y, "select count(*) from " + TABLE + " where n between " + (r.first + 5000) + " and " + (r.first + 5009),
        "10", Cluster.STREAMING_TIMEOUT)).as("%s's rows are on %s", r.promoted.name(), y.name()).isEqualTo("10");
    assertThat(cluster.psql(y, "select count(*) from " + TABLE + " where n between " + r.first + " and " + r.last))
        .as("the rows only %s had are gone from it", y.name()).isEqualTo("0");
    RoleChecks.rowsEverywhereAfterReplay(cluster, TABLE, r.first + 9000);
  }

  private String timeline(ClusterNode node) {
    return cluster.psql(node, "select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int");
  }

  private static void awaitGone(Path p) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (Files.exists(p) && System.nanoTime() < end) {
      Psql.sleep(100);
    }
    assertThat(p).as("pg_rewind ended within 60 s").doesNotExist();
  }

  /**
   * A bin directory with a symlink to every file of the real one, except {@code pg_rewind}: a
   * script that, the first time it rewinds, kills -9 the pgconverge that started it and then runs
   * the real pg_rewind to its end on its own ({@code mark}: files {@code killed}, {@code running}
   * while it runs, {@code pg_rewind.log}); later calls are the real pg_rewind.
   */
  private static Path killingRewindBin(Path dir, Path mark) {
    String real = TestHost.PG_BIN.resolve("pg_rewind").toString();
    return RejoinIT.binWithRewind(dir, "#!/bin/sh\n"
        + "case \"$*\" in *--target-pgdata*) ;; *) exec " + real + " \"$@\";; esac\n"
        + "if [ -e " + mark.resolve("killed") + " ]; then touch " + mark.resolve("second-rewind") + "; exec " + real + " \"$@\"; fi\n"
        + "touch " + mark.resolve("killed") + " " + mark.resolve("running") + "\n"
        + "kill -9 $PPID\n"
        + "sleep 10\n"
        + real + " \"$@\" >" + mark.resolve("pg_rewind.log") + " 2>&1\n"
        + "echo \"exit $?\" >>" + mark.resolve("pg_rewind.log") + "\n"
        + "rm -f " + mark.resolve("running") + "\n");
  }

}
