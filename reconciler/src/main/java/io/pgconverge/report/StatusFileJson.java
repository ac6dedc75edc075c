package io.pgconverge.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.pgconverge.plan.Drift;
import io.pgconverge.plan.SynchronousStandbys;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * Renders the status file ({@code /run/pgconverge/status.json}) that {@code pgconverge status}
 * and monitoring read. Has no side effects. The format, version 1:
 *
 * <pre>
 * { "format": 1, "run_id": "…", "started_at": "2026-…Z", "finished_at": "2026-…Z", "result": "in-sync|changed|failed|…",
 *   "success": true, "exit_code": 0, "duration_seconds": 0.012,
 *   "drift": [ {"kind","subject","desired","actual","remedy"} ],
 *   "pending_restart": ["shared_buffers"], "failures": ["…"],
 *   "desired_state": {"file","valid","problems":["file:line:col: field: message"],"enforcing"},
 *   "replication": [ {"peer","state","lag_bytes","sync_state"} ],
 *   "synchronous": {"declared","effective","degraded","strict","number","streaming":[…],"missing":[…],"reason"} }
 * </pre>
 * ({@code synchronous} only on the primary of a cluster with {@code replication.synchronous})
 */
public final class StatusFileJson {
  /** Streaming only (jackson-core): no ObjectMapper to build, so a one-shot apply stays fast. */
  private static final JsonFactory JSON = new JsonFactory();

  private StatusFileJson() {}

  public static String render(RunStatus s) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeNumberField("format", 1);
      g.writeStringField("run_id", s.runId());
      g.writeStringField("started_at", s.startedAt().toString());
      g.writeStringField("finished_at", s.finishedAt().toString());
      g.writeStringField("result", s.result().word());
      g.writeBooleanField("success", s.success());
      g.writeNumberField("exit_code", s.result().exitCode());
      g.writeNumberField("duration_seconds", s.duration().toNanos() / 1e9);
      g.writeArrayFieldStart("drift");
      for (Drift d : s.drifts()) {
        g.writeStartObject();
        driftFields(g, d);
        g.writeEndObject();
      }
      g.writeEndArray();
      strings(g, "pending_restart", s.pendingRestarts());
      strings(g, "failures", s.failures());
      g.writeObjectFieldStart("desired_state");
      g.writeStringField("file", s.desiredState().file().toString());
      g.writeBooleanField("valid", s.desiredState().valid());
      strings(g, "problems", s.desiredState().problems());
      g.writeStringField("enforcing", s.desiredState().enforcing().map(Object::toString).orElse(null));
      g.writeEndObject();
      g.writeArrayFieldStart("replication");
      for (RunStatus.ReplicationPeer p : s.replication()) {
        g.writeStartObject();
        g.writeStringField("peer", p.peer());
        g.writeStringField("state", p.state());
        g.writeNumberField("lag_bytes", p.lagBytes());
        g.writeStringField("sync_state", p.syncState());
        g.writeEndObject();
      }
      g.writeEndArray();
      if (s.synchronous().isPresent()) {
        SynchronousStandbys.Decision d = s.synchronous().get();
        g.writeObjectFieldStart("synchronous");
        g.writeStringField("declared", d.declared());
        g.writeStringField("effective", d.effective());
        g.writeBooleanField("degraded", d.degraded());
        g.writeBooleanField("strict", d.strict());
        g.writeNumberField("number", d.number());
        strings(g, "streaming", d.streaming());
        strings(g, "missing", d.missing());
        g.writeStringField("reason", d.reason());
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out + "\n";
  }

  /** A drift's kind, subject, desired, actual and remedy, as the status file and {@code check --json} write them. */
  static void driftFields(JsonGenerator g, Drift d) throws IOException {
    g.writeStringField("kind", d.kind().text());
    g.writeStringField("subject", d.subject());
    g.writeStringField("desired", d.desired());
    g.writeStringField("actual", d.actual());
    g.writeStringField("remedy", d.remedy());
  }

  private static void strings(JsonGenerator g, String field, java.util.List<String> values) throws IOException {
    g.writeArrayFieldStart(field);
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }
}
