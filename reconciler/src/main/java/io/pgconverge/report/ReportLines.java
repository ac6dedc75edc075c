package io.pgconverge.report;

import io.pgconverge.apply.Outcome;
import io.pgconverge.plan.Action;
import io.pgconverge.plan.Drift;
import io.pgconverge.plan.Refusal;
import io.pgconverge.plan.SynchronousStandbys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a report as log lines, one per drift, per action, per refusal, and a summary line; each
 * line also carries its facts as named fields (event, kind, subject, …) for the JSON log. One
 * function per kind of line, so that {@link RunLog} can write each line as its step happens and
 * {@link #of} all of them at the end read the same. Has no side effects.
 */
public final class ReportLines {
  private ReportLines() {}

  private static final Pattern WHERE = Pattern.compile("^(.+) \\((.+):(\\d+):(\\d+)\\)$");

  /**
   * A line, whether it is a warning (something failed or waits), and its fields (event = drift,
   * applied, failed, skipped, refused, pending-restart, invalid or summary; then what applies of
   * kind, subject, desired, actual, action, field, file, line, duration_ms). Fields hold no
   * secret: they come from the same descriptions as the text.
   */
  public record Line(boolean warning, String text, Map<String, Object> fields) {
    public Line {
      fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public Line(boolean warning, String text) {
      this(warning, text, Map.of());
    }
  }

  public static List<Line> of(RunReport r) {
    List<Line> out = new ArrayList<>();
    for (String p : r.problems()) {
      out.add(problem(p));
    }
    for (Drift d : r.drifts()) {
      out.add(drift(d, r.checkOnly()));
    }
    for (Refusal f : r.refusals()) {
      out.add(refusal(f));
    }
    for (Outcome o : r.outcomes()) {
      outcome(o, r.checkOnly(), null).ifPresent(out::add);
    }
    end(r).forEach(out::add);
    return out;
  }

  /** The lines that close a run: synchronous replication degraded, the pending restarts (if any) and the summary. */
  public static List<Line> end(RunReport r) {
    List<Line> out = new ArrayList<>();
    r.synchronous().filter(SynchronousStandbys.Decision::degraded).ifPresent(d -> {
      Map<String, Object> f = fields("synchronous-degraded", "subject", SynchronousStandbys.SETTING);
      f.put("streaming", String.join(", ", d.streaming()));
      f.put("missing", String.join(", ", d.missing()));
      f.put("declared", d.declared());
      out.add(new Line(true, d.reason(), f));
    });
    if (!r.pendingRestarts().isEmpty()) {
      out.add(new Line(true, "pending restart: " + String.join(", ", r.pendingRestarts())
          + " need a server restart to take effect (policy.restart is never, or window and the maintenance window is"
          + " closed; set it to always, or restart the server yourself)",
          fields("pending-restart", "subject", String.join(", ", r.pendingRestarts()))));
    }
    Map<String, Object> f = fields("summary", "result", r.result().word());
    f.put("drift", r.drifts().size());
    f.put("applied", r.applied());
    f.put("failed", r.failed());
    f.put("refused", r.refusals().size());
    f.put("pending_restart", r.pendingRestarts().size());
    f.put("duration_ms", r.duration().toMillis());
    f.put("desired_state", String.valueOf(r.desiredState()));
    out.add(new Line(r.result().exitCode() >= 4 || r.result() == RunResult.INVALID, summary(r), f));
    return out;
  }

  public static Line problem(String p) {
    return new Line(true, "invalid desired state: " + p, fields("invalid", "subject", p));
  }

  public static Line drift(Drift d, boolean checkOnly) {
    Map<String, Object> f = fields("drift", "kind", d.kind().text());
    f.put("subject", d.subject());
    f.put("desired", d.desired());
    f.put("actual", d.actual());
    f.put("action", d.remedy());
    where(d.where(), f);
    return new Line(false, driftText(d, checkOnly), f);
  }

  public static Line refusal(Refusal r) {
    Map<String, Object> f = fields("refused", "kind", r.reason().name().toLowerCase().replace('_', '-'));
    f.put("subject", r.subject());
    return new Line(true, "refused " + r.message(), f);
  }

  /**
   * The line for one outcome, or empty when it is not worth a line (a check that changes nothing
   * and succeeded; a skip in check mode).
   *
   * @param took how long the action ran, or null when unknown
   */
  public static Optional<Line> outcome(Outcome o, boolean checkOnly, Duration took) {
    Action a = o.action();
    if (o instanceof Outcome.Applied ap) {
      return a.mutates() ? Optional.of(new Line(false, "applied: " + a.describe() + " -> " + ap.detail(), fields(a, "applied", took)))
          : Optional.empty();
    } else if (o instanceof Outcome.Failed f) {
      return Optional.of(new Line(true, "failed: " + a.describe() + ": " + f.cause(), fields(a, "failed", took)));
    } else if (o instanceof Outcome.Skipped s && !checkOnly) {
      return Optional.of(new Line(true, "skipped: " + a.describe() + ": " + s.reason(), fields(a, "skipped", took)));
    }
    return Optional.empty();
  }

  /** The kebab-case name of an action's type, as the {@code action} field says it: {@code reload-server}. */
  public static String actionName(Action a) {
    return a.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
  }

  private static Map<String, Object> fields(Action a, String event, Duration took) {
    Map<String, Object> f = fields(event, "action", actionName(a));
    f.put("subject", a.describe());
    if (took != null) {
      f.put("duration_ms", took.toMillis());
    }
    return f;
  }

  private static Map<String, Object> fields(String event, String key, Object value) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("event", event);
    f.put(key, value);
    return f;
  }

  /** "postgres.settings.work_mem (desired-state.yaml:12:5)" → field, file, line. */
  private static void where(String where, Map<String, Object> f) {
    if (where.isEmpty()) {
      return;
    }
    Matcher m = WHERE.matcher(where);
    if (m.matches()) {
      f.put("field", m.group(1));
      f.put("file", m.group(2));
      f.put("line", Integer.parseInt(m.group(3)));
    } else {
      f.put("field", where);
    }
  }

  static String driftText(Drift d, boolean checkOnly) {
    return "drift " + d.kind().text() + " " + d.subject() + ": desired " + d.desired() + ", actual " + d.actual()
        + "; " + (checkOnly ? "would " : "action: ") + d.remedy()
        + (d.where().isEmpty() ? "" : " [" + d.where() + "]");
  }

  public static String summary(RunReport r) {
    return (r.checkOnly() ? "check" : "apply") + " run=" + r.runId() + " result=" + r.result().word()
        + " drift=" + r.drifts().size() + " applied=" + r.applied() + " failed=" + r.failed()
        + " refused=" + r.refusals().size() + " pending_restart=" + r.pendingRestarts().size()
        + " duration_ms=" + r.duration().toMillis() + " desired_state=" + r.desiredState();
  }
}
