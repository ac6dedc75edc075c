package io.pgconverge.loop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateCache;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.desired.Problem;
import io.pgconverge.desired.SourceLocation;
import io.pgconverge.plan.PlanContext;
import io.pgconverge.report.RunReport;
import io.pgconverge.report.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.MDC;

/**
 * The rules of one run, without a PostgreSQL server: the passes are a stand-in that records what
 * it was asked, the lock, the desired-state file and the status and metrics files are real, in a
 * temporary directory.
 */
class RunOrchestrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A Thursday morning: the Sunday-night window below is closed. */
  private static final Instant THURSDAY = Instant.parse("2026-11-26T08:02:10Z");
  /** Half an hour into the window that opens on Sundays at 03:00 for 2 h. */
  private static final Instant SUNDAY_NIGHT = Instant.parse("2026-11-29T03:30:00Z");

  @TempDir Path dir;

  /** The cache a command reads its desired state through. */
  private final DesiredStateCache cache = new DesiredStateCache();

  /** What the stand-in passes were asked, one entry per run. */
  private final List<Pass> passes = new ArrayList<>();

  private record Pass(DesiredState desired, boolean checkOnly, PlanContext context) {}

  private Path data() {
    return dir.resolve("main");
  }

  private Path config() {
    return dir.resolve("desired-state.yaml");
  }

  private Path statusFile() {
    return dir.resolve("run/status.json");
  }

  private Path metricsFile() {
    return dir.resolve("run/metrics.prom");
  }

  private Path writeConfig(String workMem) throws Exception {
    Files.writeString(config(), String.join("\n",
        "version: 1",
        "cluster: main",
        "peers:",
        "  - {name: node1, host: 10.0.0.11, role: primary}",
        "postgres:",
        "  data: " + data(),
        "  settings: {work_mem: " + workMem + "}",
        "  hba:",
        "    - local all postgres peer",
        "policy:",
        "  restart: window",
        "  window: {cron: '0 0 3 ? * SUN', duration: 2h}",
        ""));
    return config();
  }

  /**
   * Stand-in passes: an apply that changes nothing, except that a restart-only setting waits
   * (pending) unless the plan context says the window is open, as the planner does.
   */
  private RunReport pass(DesiredState desired, boolean checkOnly, String runId, PlanContext context) {
    passes.add(new Pass(desired, checkOnly, context));
    List<String> pending = context.restartWindowOpen() ? List.of() : List.of("max_connections");
    return new RunReport(runId, checkOnly, desired.source(), THURSDAY, Duration.ofMillis(3), List.of(), List.of(), List.of(),
        pending, List.of(), List.of());
  }

  private RunOrchestration.Seams seams(Instant now, Function<DesiredState, List<Problem>> acceptance) {
    return new RunOrchestration.Seams(Clock.fixed(now, ZoneOffset.UTC), java.util.TimeZone.getTimeZone("UTC"),
        (desired, checkOnly, runId, context, events, verdict) -> {
          verdict.awaitAccepted(); // as the reconciler's first pass does before it plans
          return pass(desired, checkOnly, runId, context);
        }, acceptance,
        desired -> {
          throw new AssertionError("a run never only looks");
        });
  }

  /** Waits up to 5 s for {@code latch}; true when it opened. */
  private static boolean awaited(CountDownLatch latch) {
    try {
      return latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static List<Problem> accepted(DesiredState desired) {
    return List.of();
  }

  private StatusFiles files(boolean daemon) {
    return new StatusFiles(statusFile(), metricsFile(), daemon);
  }

  /** A command's run of {@code desired}, read through {@link #cache}, at {@code now}. */
  private RunOrchestration.Result once(RunOrchestration.Mode mode, Instant now, Function<DesiredState, List<Problem>> acceptance,
      DesiredState desired) throws Exception {
    return new RunOrchestration(mode, config(), "node1", cache, files(true), null, d -> {}, seams(now, acceptance)).once(desired);
  }

  /** The desired state as a command reads it before its run. */
  private DesiredState written() throws Exception {
    return valid(cache.load(writeConfig("8MB"), "node1"));
  }

  private RunOrchestration daemon(Instant now, Function<DesiredState, List<Problem>> acceptance) {
    return new RunOrchestration(RunOrchestration.Mode.DAEMON, config(), "node1", new DesiredStateCache(), files(true), null,
        d -> {}, seams(now, acceptance));
  }

  private static DesiredState valid(LoadResult loaded) {
    assertThat(loaded).isInstanceOf(LoadResult.Valid.class);
    return ((LoadResult.Valid) loaded).state();
  }

  private JsonNode status() throws Exception {
    return JSON.readTree(statusFile().toFile());
  }

  private long runsCounted(String result) throws Exception {
    return Files.readAllLines(metricsFile()).stream()
        .filter(l -> l.startsWith("pgconverge_runs_total{result=\"" + result + "\"}"))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst().orElseThrow();
  }

  @Test
  void applyWhileAnotherReconcilerHoldsTheLockExitsFourAndObservesNothing() throws Exception {
    DesiredState desired = written();
    try (RunLock other = RunLock.acquire(data())) {
      RunOrchestration.Result r = once(RunOrchestration.Mode.APPLY, THURSDAY, RunOrchestrationTest::accepted, desired);

      assertThat(r.exitCode()).as("the documented exit code of a refused apply").isEqualTo(4);
      assertThat(r.lockRefusal()).hasValueSatisfying(refusal -> {
        assertThat(refusal.held()).as("held by another reconciler, so apply may ask it").isPresent();
        assertThat(refusal.message()).contains("PID " + ProcessHandle.current().pid()).contains(".main.pgconverge.lock");
      });
      assertThat(passes).as("no pass observed the host").isEmpty();
      assertThat(statusFile()).as("a refused apply writes no status file").doesNotExist();
    }
  }

  @Test
  void checkTakesNoLockSoItRunsBesideTheHolder() throws Exception {
    DesiredState desired = written();
    try (RunLock other = RunLock.acquire(data())) {
      RunOrchestration.Result r = once(RunOrchestration.Mode.CHECK, THURSDAY, RunOrchestrationTest::accepted, desired);

      assertThat(passes).singleElement().satisfies(p -> assertThat(p.checkOnly()).isTrue());
      assertThat(r.exitCode()).as("check: a pending restart is drift").isEqualTo(2);
    }
  }

  @Test
  void applyLetsGoOfTheLockWhenItsRunEnds() throws Exception {
    DesiredState desired = written();

    once(RunOrchestration.Mode.APPLY, THURSDAY, RunOrchestrationTest::accepted, desired);

    assertThat(RunLock.fileFor(data())).as("removed by the holder that ends").doesNotExist();
    try (RunLock next = RunLock.acquire(data())) {
      assertThat(next.file()).exists();
    }
  }

  @Test
  void aStateTheServerRejectsIsRefusedWholeNoPassPlansItAndNoStatusNamesIt() throws Exception {
    DesiredState desired = written();
    Problem rejected = new Problem(new SourceLocation(config(), 7, 15), "postgres.settings.work_mem", "the server rejects it: nope");

    RunOrchestration.Result r = once(RunOrchestration.Mode.APPLY, THURSDAY, d -> List.of(rejected), desired);

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.problems()).containsExactly(rejected);
    assertThat(r.report()).isEmpty();
    assertThat(passes).isEmpty();
    assertThat(statusFile()).as("no run enforced anything").doesNotExist();
    assertThat(RunLock.fileFor(data())).as("the lock taken beside the question is let go").doesNotExist();
  }

  @Test
  void aStateTheServerRejectsIsReportedAsInvalidEvenWhenTheLockIsHeldElsewhere() throws Exception {
    DesiredState desired = written();
    Problem rejected = new Problem(new SourceLocation(config(), 7, 15), "postgres.settings.work_mem", "the server rejects it: nope");

    try (RunLock daemonsLock = RunLock.acquire(data())) {
      RunOrchestration.Result r = once(RunOrchestration.Mode.APPLY, THURSDAY, d -> List.of(rejected), desired);

      assertThat(r.exitCode()).as("invalid, not 'locked'").isEqualTo(1);
      assertThat(r.problems()).containsExactly(rejected);
      assertThat(r.lockRefusal()).isEmpty();
      assertThat(daemonsLock.file()).as("the other holder keeps its lock").exists();
    }
    assertThat(passes).isEmpty();
  }

  @Test
  void anAcceptedStateWhoseLockIsHeldElsewhereEndsAsLocked() throws Exception {
    DesiredState desired = written();

    try (RunLock daemonsLock = RunLock.acquire(data())) {
      RunOrchestration.Result r = once(RunOrchestration.Mode.APPLY, THURSDAY, RunOrchestrationTest::accepted, desired);

      assertThat(r.exitCode()).isEqualTo(4);
      assertThat(r.lockRefusal()).isPresent();
    }
    assertThat(passes).isEmpty();
  }

  @Test
  void theServerIsAskedOnAnotherThreadWhileTheRunGoesOn() throws Exception {
    DesiredState desired = written();
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch mayAnswer = new CountDownLatch(1);
    List<String> askedOn = new java.util.concurrent.CopyOnWriteArrayList<>();
    RunOrchestration run = new RunOrchestration(RunOrchestration.Mode.CHECK, config(), "node1", cache, files(true), null, d -> {},
        new RunOrchestration.Seams(Clock.fixed(SUNDAY_NIGHT, ZoneOffset.UTC), java.util.TimeZone.getTimeZone("UTC"),
            (d, checkOnly, runId, context, events, verdict) -> {
              assertThat(awaited(asked)).as("the question started before the passes").isTrue();
              mayAnswer.countDown();
              verdict.awaitAccepted();
              return pass(d, checkOnly, runId, context);
            }, d -> {
              askedOn.add(Thread.currentThread().getName() + " run=" + MDC.get("run"));
              asked.countDown();
              return awaited(mayAnswer) ? List.of() : List.of(new Problem(new SourceLocation(config(), 1, 1), "", "no pass began"));
            }, d -> {
              throw new AssertionError("a run never only looks");
            }));

    RunOrchestration.Result r = run.once(desired);

    assertThat(r.exitCode()).as("in sync: accepted, and the window is open").isZero();
    assertThat(passes).hasSize(1);
    assertThat(askedOn).singleElement().asString().startsWith("pgconverge-server-verdict run=").endsWith("run=" + r.runId());
  }

  @Test
  void outsideTheMaintenanceWindowARestartIsDeferredAndInsideItIsNot() throws Exception {
    DesiredState desired = written();

    RunOrchestration.Result thursday = once(RunOrchestration.Mode.APPLY, THURSDAY, RunOrchestrationTest::accepted, desired);
    assertThat(passes.get(0).context().restartWindowOpen()).as("Thursday morning: the window is closed").isFalse();
    assertThat(thursday.report().orElseThrow().pendingRestarts()).containsExactly("max_connections");
    assertThat(status().path("pending_restart").toString()).isEqualTo("[\"max_connections\"]");

    once(RunOrchestration.Mode.APPLY, SUNDAY_NIGHT, RunOrchestrationTest::accepted, desired);
    assertThat(passes.get(1).context().restartWindowOpen()).as("Sunday 03:30: inside the window").isTrue();
    assertThat(status().path("pending_restart").size()).isZero();
  }

  @Test
  void theStatusAndMetricsFilesAreWrittenOncePerRun() throws Exception {
    writeConfig("8MB");
    RunOrchestration daemon = daemon(SUNDAY_NIGHT, RunOrchestrationTest::accepted);
    assertThat(daemon.lockAtStart()).isEmpty();
    try (daemon) {
      RunOrchestration.Result last = null;
      for (int i = 0; i < 3; i++) {
        last = daemon.next("test");
        assertThat(runsCounted("in-sync")).as("after run %d", i + 1).isEqualTo(i + 1);
      }
      assertThat(status().path("run_id").asText()).isEqualTo(last.runId());
      assertThat(status().path("result").asText()).isEqualTo("in-sync");
      assertThat(status().path("started_at").asText()).as("noted before the file was read").isEqualTo(SUNDAY_NIGHT.toString());
      assertThat(passes).hasSize(3);
    }
  }

  @Test
  void nobodyHoldingTheLeaderKeyRunsTheLeaderlessPassOnTheFileOnceTheClusterIsInitializedAndNoPassBefore() throws Exception {
    writeConfig("8MB");
    boolean[] initialized = {false};
    try (RunOrchestration daemon = daemon(THURSDAY, RunOrchestrationTest::accepted)) {
      daemon.roleSource(file -> initialized[0]
          ? new RoleSource.Roles(java.util.Optional.of(file), true, false, RoleSource.NOBODY_HOLDS_THE_KEY, true)
          : new RoleSource.Roles(java.util.Optional.empty(), true, false, "failover.mode etcd: no member holds the leader key yet"));

      RunOrchestration.Result before = daemon.next("start");
      assertThat(passes).as("before the cluster exists: no pass").isEmpty();
      assertThat(before.failed()).as("not a failure to retry at once").isFalse();
      assertThat(status().path("failures").toString()).contains("no member holds the leader key yet");

      initialized[0] = true;
      RunOrchestration.Result after = daemon.next("nobody holds the leader key");
      assertThat(passes).singleElement().satisfies(p -> {
        assertThat(p.context()).isEqualTo(PlanContext.leaderless(false));
        assertThat(p.desired().primary().name()).as("the file's own state").isEqualTo("node1");
      });
      assertThat(after.report()).isPresent();
      assertThat(after.failed()).isFalse();
    }
  }

  @Test
  void theDaemonKeepsEnforcingTheLastValidStateWhileTheFileIsInvalid() throws Exception {
    writeConfig("8MB");
    try (RunOrchestration daemon = daemon(THURSDAY, RunOrchestrationTest::accepted)) {
      daemon.next("start");
      Path copy = StatusFiles.lastValidCopy(statusFile());
      String enforced = Files.readString(copy);
      Files.writeString(config(), "version: 1\npeers: [\n");

      RunOrchestration.Result r = daemon.next("a pushed file");

      assertThat(r.problems()).isNotEmpty();
      assertThat(passes).hasSize(2);
      assertThat(passes.get(1).desired()).as("the same state as before, whole").isSameAs(passes.get(0).desired());
      assertThat(status().path("desired_state").path("valid").asBoolean()).isFalse();
      assertThat(status().path("desired_state").path("enforcing").asText()).isEqualTo(config().toString());
      assertThat(Files.readString(copy)).as("the copy of the enforced state is kept").isEqualTo(enforced);
    }
  }

  /**
   * A test (or a watcher) that sees a status file naming a run may kill the daemon at once: the
   * copy of the enforced state must be on disk by then, not half-written beside it.
   */
  @Test
  void theCopyOfTheEnforcedStateIsOnDiskBeforeTheStatusThatNamesItsRun() throws Exception {
    writeConfig("8MB");
    Files.createDirectories(statusFile().getParent());
    List<String> renamedInto = new ArrayList<>();
    try (java.nio.file.WatchService watch = dir.getFileSystem().newWatchService();
        RunOrchestration daemon = daemon(THURSDAY, RunOrchestrationTest::accepted)) {
      statusFile().getParent().register(watch, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);

      daemon.next("start");

      // the watch service's own thread hands the events over in batches: take them until the
      // status file's arrives (bounded)
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
      while (!renamedInto.contains(statusFile().getFileName().toString()) && System.nanoTime() < deadline) {
        java.nio.file.WatchKey key = watch.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (key != null) {
          key.pollEvents().forEach(e -> renamedInto.add(e.context().toString()));
          key.reset();
        }
      }
      assertThat(renamedInto).as("what the run wrote into %s", statusFile().getParent()).isNotEmpty();
    }
    List<String> targets = renamedInto.stream().filter(n -> !n.endsWith(".pgconverge-tmp")).toList();
    assertThat(targets).containsSubsequence(StatusFiles.lastValidCopy(statusFile()).getFileName().toString(),
        statusFile().getFileName().toString());
  }

  @Test
  void theDaemonWithNoValidStateWaitsAndStillWritesItsStatus() throws Exception {
    Files.writeString(config(), "version: 1\npeers: [\n");
    try (RunOrchestration daemon = daemon(THURSDAY, RunOrchestrationTest::accepted)) {
      assertThat(daemon.lockAtStart()).isEmpty();

      RunOrchestration.Result r = daemon.next(null);

      assertThat(passes).isEmpty();
      assertThat(r.report()).isEmpty();
      assertThat(r.status().orElseThrow().result()).isEqualTo(RunResult.INVALID);
      assertThat(runsCounted("invalid")).isEqualTo(1);
      assertThat(RunLock.fileFor(data())).doesNotExist();
    }
  }

  @Test
  void theServerIsAskedOncePerNewStateNotOncePerRun() throws Exception {
    writeConfig("8MB");
    List<DesiredState> asked = new ArrayList<>();
    try (RunOrchestration daemon = daemon(THURSDAY, d -> {
      asked.add(d);
      return List.of();
    })) {
      daemon.next("start");
      daemon.next("scheduled");
      writeConfig("16MB");
      daemon.next("a pushed file");
    }
    assertThat(asked).as("once for the first file, once for the pushed one").hasSize(2);
    assertThat(passes).hasSize(3);
  }

  @Test
  void aDaemonRunRefusedByTheLockOfANewDataDirectoryIsAFailureToRetry() throws Exception {
    writeConfig("8MB");
    try (RunOrchestration daemon = daemon(THURSDAY, RunOrchestrationTest::accepted);
        RunLock other = RunLock.acquire(data())) {
      RunOrchestration.Result r = daemon.next("start");

      assertThat(r.failed()).isTrue();
      assertThat(r.cause()).contains("already reconciling this data directory");
      assertThat(passes).as("nothing enforced: no valid state was ever locked").isEmpty();
    }
  }
}
