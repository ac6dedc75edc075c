package io.pgconverge.report;

import io.pgconverge.apply.Outcome;
import io.pgconverge.plan.Drift;
import io.pgconverge.plan.Refusal;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a report as log lines, one per drift, per action, per refusal, and a summary line.
 * Has no side effects.
 */
public final class ReportLines {
  private ReportLines() {}

  /** A line and whether it is a warning (something failed or waits). */
  public record Line(boolean warning, String text) {}

  public static List<Line> of(RunReport r) {
    List<Line> out = new ArrayList<>();
    for (String p : r.problems()) {
      out.add(new Line(true, "invalid desired state: " + p));
    }
    for (Drift d : r.drifts()) {
      out.add(new Line(false, drift(d, r.checkOnly())));
    }
    for (Refusal f : r.refusals()) {
      out.add(new Line(true, "refused " + f.message()));
    }
    for (Outcome o : r.outcomes()) {
      if (o instanceof Outcome.Applied a) {
        if (a.action().mutates()) {
          out.add(new Line(false, "applied: " + a.action().describe() + " -> " + a.detail()));
        }
      } else if (o instanceof Outcome.Failed f) {
        out.add(new Line(true, "failed: " + f.action().describe() + ": " + f.cause()));
      } else if (o instanceof Outcome.Skipped s && !r.checkOnly()) {
        out.add(new Line(true, "skipped: " + s.action().describe() + ": " + s.reason()));
      }
    }
    if (!r.pendingRestarts().isEmpty()) {
      out.add(new Line(true, "pending restart: " + String.join(", ", r.pendingRestarts())
          + " need a server restart to take effect (policy.restart is never, or window and the maintenance window is"
          + " closed; set it to always, or restart the server yourself)"));
    }
    out.add(new Line(r.result().exitCode() >= 4 || r.result() == RunResult.INVALID, summary(r)));
    return out;
  }

  static String drift(Drift d, boolean checkOnly) {
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
