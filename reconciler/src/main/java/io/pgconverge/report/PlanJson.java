package io.pgconverge.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.pgconverge.apply.Outcome;
import io.pgconverge.plan.Drift;
import io.pgconverge.plan.Refusal;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * {@code pgconverge check --json}: the plan of one run as one JSON document. Has no side effects.
 * Holds no secret: drifts, action descriptions and refusals never carry one, and the content of
 * a file to write (the passfile) is never included. The format, version 1:
 *
 * <pre>
 * { "format": 1, "run_id": "…", "result": "in-sync|drift|failed|…", "exit_code": 2,
 *   "desired_state": "/etc/pgconverge/desired-state.yaml",
 *   "drift": [ {"kind","subject","desired","actual","remedy","where"} ],
 *   "actions": [ {"action": "reload the server …", "changes": true, "outcome": "skipped|applied|failed", "detail"} ],
 *   "refusals": [ {"reason": "primary-unreachable", "subject", "detail", "message"} ],
 *   "pending_restart": ["shared_buffers"] }
 * </pre>
 */
public final class PlanJson {
  private static final JsonFactory JSON = new JsonFactory();

  private PlanJson() {}

  public static String render(RunReport r) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeNumberField("format", 1);
      g.writeStringField("run_id", r.runId());
      g.writeStringField("result", r.result().word());
      g.writeNumberField("exit_code", r.result().exitCode());
      g.writeStringField("desired_state", r.desiredState() == null ? null : r.desiredState().toString());
      g.writeArrayFieldStart("drift");
      for (Drift d : r.drifts()) {
        g.writeStartObject();
        StatusFileJson.driftFields(g, d);
        g.writeStringField("where", d.where());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("actions");
      for (Outcome o : r.outcomes()) {
        g.writeStartObject();
        g.writeStringField("action", o.action().describe());
        g.writeBooleanField("changes", o.action().mutates());
        if (o instanceof Outcome.Applied a) {
          g.writeStringField("outcome", "applied");
          g.writeStringField("detail", a.detail());
        } else if (o instanceof Outcome.Skipped s) {
          g.writeStringField("outcome", "skipped");
          g.writeStringField("detail", s.reason());
        } else if (o instanceof Outcome.Failed f) {
          g.writeStringField("outcome", "failed");
          g.writeStringField("detail", f.cause());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("refusals");
      for (Refusal f : r.refusals()) {
        g.writeStartObject();
        g.writeStringField("reason", f.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        g.writeStringField("subject", f.subject());
        g.writeStringField("detail", f.detail());
        g.writeStringField("message", f.message());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("pending_restart");
      for (String p : r.pendingRestarts()) {
        g.writeString(p);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out + "\n";
  }
}
