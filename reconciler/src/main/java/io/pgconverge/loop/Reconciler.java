package io.pgconverge.loop;

import io.pgconverge.apply.Applier;
import io.pgconverge.apply.Outcome;
import io.pgconverge.desired.DesiredState;
import io.pgconverge.host.Commands;
import io.pgconverge.host.ProcessCommands;
import io.pgconverge.observe.Facts;
import io.pgconverge.pg.ConfEntry;
import io.pgconverge.pg.ConfParser;
import io.pgconverge.pg.ConfSyntaxException;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.Drift;
import io.pgconverge.plan.ManagedFiles;
import io.pgconverge.plan.Plan;
import io.pgconverge.plan.PlanContext;
import io.pgconverge.plan.Refusal;
import io.pgconverge.plan.SynchronousStandbys;
import io.pgconverge.report.HostStatus;
import io.pgconverge.report.RunEvents;
import io.pgconverge.report.RunReport;
import io.pgconverge.report.RunStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * One run of the loop: observe → plan → apply, repeated while the previous pass changed the host
 * in a way that opens new facts (a new data directory, a started server), at most {@value
 * #MAX_PASSES} times; a pass that only made roles and slots is not observed again ({@link
 * #settledByItself}). Level-based: every pass plans from what it observes now. {@code check}
 * makes a single pass and runs only the actions that change nothing.
 */
public final class Reconciler {
  static final int MAX_PASSES = 4;
  private final BooleanSupplier cancelled;
  private final LoopPorts ports;

  public Reconciler(Clock clock) {
    this(clock, () -> false);
  }

  /** @param cancelled once true, no new action or pass starts (a stopping daemon sets it) */
  public Reconciler(Clock clock, BooleanSupplier cancelled) {
    this(clock, cancelled, new ProcessCommands());
  }

  /** @param commands runs this run's commands; whoever made it can cancel the long ones (a stopping daemon) */
  public Reconciler(Clock clock, BooleanSupplier cancelled, Commands commands) {
    this(cancelled, LoopPorts.real(clock, commands));
  }

  public Reconciler(BooleanSupplier cancelled, LoopPorts ports) {
    this.cancelled = cancelled;
    this.ports = ports;
  }

  public RunReport run(DesiredState desired, boolean checkOnly, String runId) {
    return run(desired, checkOnly, runId, PlanContext.DEFAULT);
  }

  /** One run, planned for the moment {@code context} describes (is the maintenance window open). */
  public RunReport run(DesiredState desired, boolean checkOnly, String runId, PlanContext context) {
    return run(desired, checkOnly, runId, context, RunEvents.NONE);
  }

  /**
   * One run that tells {@code events} of each drift when its pass has planned and of each outcome
   * when its action ends (the refusals and pending restarts of the last pass are in the report).
   */
  public RunReport run(DesiredState desired, boolean checkOnly, String runId, PlanContext context, RunEvents events) {
    return run(desired, checkOnly, runId, context, events, ServerVerdict.ACCEPTED);
  }

  /**
   * As {@link #run(DesiredState, boolean, String, PlanContext, RunEvents)}, for a state whose
   * server verdict may still be coming: the first pass observes, then waits for it before it plans;
   * a rejected state ends the run there ({@link ServerVerdict.Rejected}), nothing planned, told or
   * applied.
   */
  public RunReport run(DesiredState desired, boolean checkOnly, String runId, PlanContext context, RunEvents events,
      ServerVerdict verdict) {
    Instant start = ports.clock().instant();
    long t0 = System.nanoTime();
    Applier applier = new Applier(ports.host().apply(desired), checkOnly, confLineFields(desired), cancelled, events);
    Map<String, Drift> drifts = new LinkedHashMap<>();
    List<Outcome> outcomes = new ArrayList<>();
    List<Refusal> refusals = new ArrayList<>();
    List<String> pending = new ArrayList<>();
    List<String> previousActions = List.of();
    List<RunStatus.ReplicationPeer> replication = List.of();
    RunStatus.ServerView seenServer = RunStatus.ServerView.UNKNOWN;
    Optional<SynchronousStandbys.Decision> synchronous = Optional.empty();
    for (int pass = 1; pass <= MAX_PASSES && !cancelled.getAsBoolean(); pass++) {
      Facts facts = ports.observe().apply(desired);
      if (pass == 1) {
        verdict.awaitAccepted();
      }
      Plan plan = ports.planner().plan(desired, facts, context);
      HostStatus seen = HostStatus.of(desired, facts, plan);
      replication = RunReport.replicationOf(seen, desired.primary().name());
      seenServer = RunStatus.ServerView.of(seen);
      synchronous = seen.synchronous();
      for (Drift d : plan.drifts()) {
        if (drifts.putIfAbsent(d.kind() + " " + d.subject(), d) == null) {
          events.drift(d);
        }
      }
      refusals.clear();
      refusals.addAll(plan.refusals());
      pending.clear();
      pending.addAll(plan.pendingRestarts());
      List<String> described = plan.actions().stream().filter(Action::mutates).map(Action::describe).toList();
      if (checkOnly) {
        outcomes.addAll(applier.apply(plan.actions()));
        break;
      }
      if (!plan.hasMutations()) {
        break;
      }
      if (described.equals(previousActions)) {
        Outcome stuck = new Outcome.Failed(plan.actions().get(0),
            "the host did not converge: the same actions were planned again after they were applied");
        outcomes.add(stuck);
        events.outcome(stuck, Duration.ZERO);
        break;
      }
      previousActions = described;
      List<Outcome> done = applier.apply(plan.actions());
      outcomes.addAll(done);
      if (done.stream().anyMatch(o -> o instanceof Outcome.Failed)) {
        break;
      }
      if (settledByItself(plan, done)) {
        break;
      }
    }
    return new RunReport(runId, checkOnly, desired.source(), start, Duration.ofNanos(System.nanoTime() - t0),
        List.copyOf(drifts.values()), outcomes, refusals, pending, List.of(), replication, seenServer, synchronous);
  }

  /**
   * True when the pass needs no pass after it: it refused nothing, every action it ran was applied,
   * and each that changed the host made a role or a replication slot on the running server, whose
   * effect is exactly what was planned and opens no new fact (a cold primary's roles and slots:
   * without this rule the run observed once more only to find nothing to do, about 0.35 s at load
   * 20). A pass that wrote a file, reloaded, started or built anything is still observed again.
   */
  static boolean settledByItself(Plan plan, List<Outcome> done) {
    return plan.refusals().isEmpty() && plan.pendingRestarts().isEmpty()
        && done.stream().allMatch(o -> o instanceof Outcome.Applied)
        && plan.actions().stream().filter(Action::mutates).allMatch(a -> SETTLED_BY_ITSELF.contains(a.getClass()));
  }

  /** The actions {@link #settledByItself} counts as needing no second look. */
  private static final java.util.Set<Class<?>> SETTLED_BY_ITSELF = java.util.Set.of(Action.CreateRole.class,
      Action.AlterRole.class, Action.SetPassword.class, Action.EnsureRewindRole.class, Action.CreateSlot.class,
      Action.DropSlot.class);

  /**
   * Maps a line of the rendered postgresql.conf to the desired-state field it came from; the map is
   * built the first time it is asked (only when the server rejected a new file).
   */
  static java.util.function.IntFunction<String> confLineFields(DesiredState desired) {
    Map<Integer, String> byLine = new HashMap<>();
    boolean[] built = {false};
    return line -> {
      if (!built[0]) {
        built[0] = true;
        try {
          for (ConfEntry e : ConfParser.parse(ManagedFiles.postgresqlConf(desired)).entries()) {
            byLine.put(e.line(), ManagedFiles.fieldOf(desired, e.name()));
          }
        } catch (ConfSyntaxException e) {
          // our own rendering always parses; without the map, messages only lose the field
        }
      }
      return byLine.get(line);
    };
  }

}
