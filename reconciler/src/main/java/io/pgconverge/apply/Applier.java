package io.pgconverge.apply;

import io.pgconverge.host.TestCrashHook;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.Stage;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * Carries out a plan's actions in order and says what became of each: applied, skipped or failed.
 * A failed action marks the stage it provides as failed, and later actions that need that stage
 * are skipped; the others still run. In check mode only actions that change nothing run.
 *
 * <p>Each action is handed to the executor of its group — {@link SqlActions}, {@link FileActions},
 * {@link ServerActions} — which reaches the host only through the {@link HostPorts} given here.
 */
public final class Applier {
  private final boolean checkOnly;
  private final BooleanSupplier cancelled;
  private final ApplyEvents events;
  private final ActionHandlers handlers = new ActionHandlers();
  private boolean replan;

  /**
   * @param ports what the executors reach the host through
   * @param fieldOfConfLine names the desired-state field behind a line of the rendered
   *     postgresql.conf, so the server's complaint can point at what the user wrote
   * @param cancelled asked before each action; once true, no further action starts (each is
   *     reported as skipped) — how a stopping daemon lets the current action end and starts no other
   * @param events told of each outcome as it happens, and of a long copy's progress
   */
  public Applier(HostPorts ports, boolean checkOnly, IntFunction<String> fieldOfConfLine, BooleanSupplier cancelled,
      ApplyEvents events) {
    this.checkOnly = checkOnly;
    this.cancelled = cancelled;
    this.events = events;
    new SqlActions(ports.server()).register(handlers);
    new FileActions(ports.files(), ports.commands(), fieldOfConfLine).register(handlers);
    new ServerActions(ports, events, () -> replan = true).register(handlers);
    handlers.complete();
  }

  public List<Outcome> apply(List<Action> actions) {
    List<Outcome> outcomes = new ArrayList<>();
    Set<Stage> failed = EnumSet.noneOf(Stage.class);
    replan = false;
    for (Action a : actions) {
      if (cancelled.getAsBoolean()) {
        skip(outcomes, new Outcome.Skipped(a, "pgconverge is stopping"));
        continue;
      }
      if (replan) {
        skip(outcomes, new Outcome.Skipped(a, "planned again in the next pass: the data directory was moved aside"));
        continue;
      }
      Optional<Stage> blocked = a.needs().stream().filter(failed::contains).findFirst();
      if (blocked.isPresent()) {
        skip(outcomes, new Outcome.Skipped(a, "skipped because an earlier step of " + blocked.get().name().toLowerCase().replace('_', ' ') + " failed"));
        continue;
      }
      if (checkOnly && a.mutates()) {
        skip(outcomes, new Outcome.Skipped(a, "check only"));
        continue;
      }
      Outcome o;
      long t0 = System.nanoTime();
      Duration took;
      try {
        TestCrashHook.at("before:" + crashPointName(a));
        String detail = handlers.run(a);
        TestCrashHook.at("after:" + crashPointName(a));
        took = Duration.ofNanos(System.nanoTime() - t0);
        o = new Outcome.Applied(a, detail + " (" + took.toMillis() + " ms)");
      } catch (IOException | SQLException | RuntimeException e) {
        took = Duration.ofNanos(System.nanoTime() - t0);
        o = new Outcome.Failed(a, message(e) + " (after " + took.toMillis() + " ms)");
      }
      if (o instanceof Outcome.Failed) {
        a.provides().ifPresent(failed::add);
      }
      outcomes.add(o);
      events.outcome(o, took);
    }
    return outcomes;
  }

  private void skip(List<Outcome> outcomes, Outcome.Skipped s) {
    outcomes.add(s);
    events.outcome(s, Duration.ZERO);
  }

  /** The action's name in {@link TestCrashHook} points: its type, and for a file write the file's name. */
  static String crashPointName(Action a) {
    return a.getClass().getSimpleName() + (a instanceof Action.WriteFile w ? "(" + w.path().getFileName() + ")" : "");
  }

  private static String message(Exception e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
