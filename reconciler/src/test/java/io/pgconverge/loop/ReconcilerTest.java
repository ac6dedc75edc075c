package io.pgconverge.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgconverge.apply.InMemoryHost;
import io.pgconverge.apply.Outcome;
import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.DesiredStateLoader;
import io.pgconverge.desired.LoadResult;
import io.pgconverge.desired.Problem;
import io.pgconverge.desired.SourceLocation;
import io.pgconverge.observe.BinaryFact;
import io.pgconverge.observe.DataDirectoryFact;
import io.pgconverge.observe.Facts;
import io.pgconverge.observe.PrimaryFact;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.observe.UpstreamFact;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.Plan;
import io.pgconverge.plan.Refusal;
import io.pgconverge.plan.RefusalReason;
import io.pgconverge.plan.PlanContext;
import io.pgconverge.report.RunEvents;
import io.pgconverge.report.RunReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The multi-pass loop with a scripted planner and a host in memory: a run repeats observe → plan
 * → apply while the previous pass changed the host, and stops when a pass plans no change, when
 * an action failed, when the same actions come back, when the daemon stops, or after {@value
 * Reconciler#MAX_PASSES} passes. {@code check} makes one pass.
 */
class ReconcilerTest {
  private static final Path DATA = Path.of("/srv/pg/data");
  private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
  private static final DesiredState DESIRED = desired();
  private static final SourceLocation AT = new SourceLocation(Path.of("/etc/pgconverge/desired-state.yaml"), 10, 24);

  private final InMemoryHost host = new InMemoryHost();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private int observed;
  private int planned;

  private static DesiredState desired() {
    String yaml = String.join("\n", "version: 1", "cluster: main", "self: node1", "peers:",
        "  - {name: node1, host: 127.0.0.1, port: 5432, role: primary}", "postgres:", "  data: " + DATA, "  user: postgres",
        "  socket_directory: /run/postgresql", "  settings: {work_mem: 8MB}", "  hba:", "    - local all postgres peer", "");
    LoadResult r = DesiredStateLoader.parse(yaml, Path.of("/etc/pgconverge/desired-state.yaml"), "node1");
    assertThat(r).isInstanceOf(LoadResult.Valid.class);
    return ((LoadResult.Valid) r).state();
  }

  /** Runs the loop with pass {@code n}'s plan from {@code script} (1-based); a stopped server and no data directory observed. */
  private RunReport run(boolean checkOnly, IntFunction<List<Action>> script) {
    return run(checkOnly, script, List.of());
  }

  /** The same, every plan also refusing {@code refusals}. */
  private RunReport run(boolean checkOnly, IntFunction<List<Action>> script, List<Refusal> refusals) {
    LoopPorts ports = new LoopPorts(desired -> {
      observed++;
      return new Facts(new DataDirectoryFact.Missing(DATA), Map.of(), new ServerFact.NotRunning("no postmaster.pid", false), Map.of(),
          new BinaryFact.Found(BIN), new PrimaryFact.NotApplicable(), new UpstreamFact.NotApplicable());
    }, (desired, facts, context) -> new Plan(List.of(), script.apply(++planned), refusals, List.of()),
        desired -> host.ports(), InMemoryHost.CLOCK);
    return new Reconciler(stopping::get, ports).run(DESIRED, checkOnly, "run0001", PlanContext.DEFAULT);
  }

  /** Runs the loop whose server verdict is {@code verdict}; pass 1 plans a file, later passes nothing. */
  private RunReport runJudged(ServerVerdict verdict, List<String> order) {
    LoopPorts ports = new LoopPorts(desired -> {
      observed++;
      order.add("observe");
      return new Facts(new DataDirectoryFact.Missing(DATA), Map.of(), new ServerFact.NotRunning("no postmaster.pid", false), Map.of(),
          new BinaryFact.Found(BIN), new PrimaryFact.NotApplicable(), new UpstreamFact.NotApplicable());
    }, (desired, facts, context) -> {
      order.add("plan");
      return new Plan(List.of(), ++planned == 1 ? List.of(write("postgresql.conf")) : List.of(), List.of(), List.of());
    }, desired -> host.ports(), InMemoryHost.CLOCK);
    return new Reconciler(stopping::get, ports).run(DESIRED, false, "run0001", PlanContext.DEFAULT, RunEvents.NONE, verdict);
  }

  private static Action.WriteFile write(String name) {
    return new Action.WriteFile(DATA.resolve(name), name + "\n", Optional.empty(), "drift");
  }

  private static String kinds(RunReport report) {
    return String.join(" ", report.outcomes().stream().map(o -> o.getClass().getSimpleName()).toList());
  }

  @Test
  void theFirstPassObservesWhileTheServerIsAskedAndPlansOnlyOnceItHasAccepted() {
    List<String> order = new ArrayList<>();
    CountDownLatch observing = new CountDownLatch(1);
    ServerVerdict verdict = ServerVerdict.ask(d -> {
      try {
        return observing.await(5, TimeUnit.SECONDS) ? List.of() : List.of(new Problem(AT, "postgres.settings", "never observed"));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, DESIRED);
    LoopPorts ports = new LoopPorts(desired -> {
      observing.countDown();
      order.add("observe");
      return new Facts(new DataDirectoryFact.Missing(DATA), Map.of(), new ServerFact.NotRunning("no postmaster.pid", false), Map.of(),
          new BinaryFact.Found(BIN), new PrimaryFact.NotApplicable(), new UpstreamFact.NotApplicable());
    }, (desired, facts, context) -> {
      order.add("plan");
      return new Plan(List.of(), List.of(), List.of(), List.of());
    }, desired -> host.ports(), InMemoryHost.CLOCK);

    RunReport report = new Reconciler(stopping::get, ports).run(DESIRED, false, "run0001", PlanContext.DEFAULT, RunEvents.NONE, verdict);

    assertThat(order).as("the verdict waited for the observation that ran beside it").containsExactly("observe", "plan");
    assertThat(report.outcomes()).isEmpty();
  }

  @Test
  void aStateTheServerRejectsIsObservedButNeitherPlannedNorApplied() {
    Problem rejected = new Problem(AT, "postgres.settings.work_mem", "the server rejects it: nope");
    List<String> order = new ArrayList<>();

    assertThatThrownBy(() -> runJudged(ServerVerdict.ask(d -> List.of(rejected), DESIRED), order))
        .isInstanceOfSatisfying(ServerVerdict.Rejected.class, r -> assertThat(r.problems()).containsExactly(rejected));

    assertThat(order).containsExactly("observe");
    assertThat(host.files).as("nothing written").isEmpty();
  }

  @Test
  void anAcceptedStateIsPlannedAndAppliedAsAnyOther() {
    RunReport report = runJudged(ServerVerdict.ask(d -> List.of(), DESIRED), new ArrayList<>());

    assertThat(kinds(report)).isEqualTo("Applied");
    assertThat(host.files).containsOnlyKeys(DATA.resolve("postgresql.conf"));
  }

  @Test
  void passesRepeatWhileThePreviousOneChangedTheHostAndStopWhenOnePlansNoChange() {
    RunReport report = run(false, pass -> switch (pass) {
      case 1 -> List.of(write("postgresql.conf"));
      case 2 -> List.of(write("pg_hba.conf"));
      default -> List.of(new Action.ValidateConfig(DATA.resolve("postgresql.conf"), "x", BIN));
    });

    assertThat(observed).isEqualTo(3);
    assertThat(kinds(report)).isEqualTo("Applied Applied");
    assertThat(host.files).containsOnlyKeys(DATA.resolve("postgresql.conf"), DATA.resolve("pg_hba.conf"));
    assertThat(host.programsRun()).as("the last pass planned only a check: nothing of it runs").isEmpty();
  }

  @Test
  void aPassThatOnlyMadeRolesAndSlotsOnTheRunningServerIsNotObservedAgain() {
    RunReport report = run(false, pass -> switch (pass) {
      case 1 -> List.of(write("postgresql.conf"));
      case 2 -> List.of(new Action.CreateSlot("pgc_node2"), new Action.CreateSlot("pgc_node3"));
      default -> List.of(write("pg_hba.conf"));
    });

    assertThat(observed).as("the file written in pass 1 is observed again, the slots of pass 2 are not").isEqualTo(2);
    assertThat(kinds(report)).isEqualTo("Applied Applied Applied");
    assertThat(host.statements).hasSize(2);
  }

  @Test
  void aPassOfSlotsThatAlsoRefusedSomethingIsObservedAgain() {
    List<Refusal> refusals = List.of(new Refusal(RefusalReason.SERVER_UNREACHABLE, "server", ""));
    RunReport report = run(false, pass -> pass == 1 ? List.of(new Action.CreateSlot("pgc_node2")) : List.of(), refusals);

    assertThat(observed).isEqualTo(2);
    assertThat(kinds(report)).isEqualTo("Applied");
  }

  @Test
  void aRunMakesAtMostFourPassesEvenWhenEveryPassPlansSomethingNew() {
    RunReport report = run(false, pass -> List.of(write("file" + pass)));

    assertThat(observed).isEqualTo(Reconciler.MAX_PASSES).isEqualTo(4);
    assertThat(kinds(report)).isEqualTo("Applied Applied Applied Applied");
  }

  @Test
  void theSameActionsPlannedAgainAfterTheyWereAppliedEndTheRunAsNotConverged() {
    RunReport report = run(false, pass -> List.of(write("postgresql.conf")));

    assertThat(observed).isEqualTo(2);
    assertThat(kinds(report)).isEqualTo("Applied Failed");
    assertThat(((Outcome.Failed) report.outcomes().get(1)).cause())
        .isEqualTo("the host did not converge: the same actions were planned again after they were applied");
  }

  @Test
  void aFailedActionEndsTheRunAfterItsPassWhoseIndependentActionsStillRan() {
    host.answer("pg_ctl", 1, "", "pg_ctl: could not start server");
    RunReport report = run(false, pass -> List.of(
        new Action.StartServer(DATA, DATA, BIN, Path.of(System.getProperty("java.io.tmpdir"), "pgconverge-reconciler-test.log")),
        new Action.CreateSlot("pgc_node2"), write("pg_hba.conf")));

    assertThat(observed).isEqualTo(1);
    assertThat(kinds(report)).isEqualTo("Failed Skipped Applied");
  }

  @Test
  void checkMakesOnePassAndRunsOnlyWhatChangesNothing() {
    RunReport report = run(true, pass -> List.of(new Action.ValidateConfig(DATA.resolve("postgresql.conf"), "# checked\n", BIN),
        write("postgresql.conf")));

    assertThat(observed).isEqualTo(1);
    assertThat(kinds(report)).isEqualTo("Applied Skipped");
    assertThat(host.files).isEmpty();
  }

  @Test
  void aStoppingDaemonStartsNoFurtherActionNorPass() {
    host.afterWrite = () -> stopping.set(true);
    RunReport report = run(false, pass -> List.of(write("postgresql.conf" + pass), write("pg_hba.conf" + pass)));

    assertThat(observed).isEqualTo(1);
    assertThat(kinds(report)).isEqualTo("Applied Skipped");
  }

  @Test
  void aRunWithNothingToDoObservesOnceAndReportsTheClocksStart() {
    RunReport report = run(false, pass -> new ArrayList<>());

    assertThat(observed).isEqualTo(1);
    assertThat(report.outcomes()).isEmpty();
    assertThat(report.startedAt()).isEqualTo(InMemoryHost.CLOCK.instant());
  }
}
