package io.pgconverge.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgconverge.plan.Drift;
import java.io.UncheckedIOException;

/**
 * Renders the status file ({@code /run/pgconverge/status.json}) that {@code pgconverge status}
 * and monitoring read. Has no side effects. The format, version 1:
 *
 * <pre>
 * { "format": 1, "run_id": "…", "finished_at": "2026-…Z", "result": "in-sync|changed|failed|…",
 *   "success": true, "exit_code": 0, "duration_seconds": 0.012,
 *   "drift": [ {"kind","subject","desired","actual","remedy"} ],
 *   "pending_restart": ["shared_buffers"], "failures": ["…"],
 *   "desired_state": {"file","valid","problems":["file:line:col: field: message"],"enforcing"},
 *   "replication": [ {"peer","state","lag_bytes"} ] }
 * </pre>
 */
public final class StatusJson {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private StatusJson() {}

  public static String render(RunStatus s) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", 1);
    root.put("run_id", s.runId());
    root.put("finished_at", s.finishedAt().toString());
    root.put("result", s.result().word());
    root.put("success", s.success());
    root.put("exit_code", s.result().exitCode());
    root.put("duration_seconds", s.duration().toNanos() / 1e9);
    ArrayNode drift = root.putArray("drift");
    for (Drift d : s.drifts()) {
      ObjectNode o = drift.addObject();
      o.put("kind", d.kind().text());
      o.put("subject", d.subject());
      o.put("desired", d.desired());
      o.put("actual", d.actual());
      o.put("remedy", d.remedy());
    }
    ArrayNode pending = root.putArray("pending_restart");
    s.pendingRestarts().forEach(pending::add);
    ArrayNode failures = root.putArray("failures");
    s.failures().forEach(failures::add);
    ObjectNode ds = root.putObject("desired_state");
    ds.put("file", s.desiredState().file().toString());
    ds.put("valid", s.desiredState().valid());
    ArrayNode problems = ds.putArray("problems");
    s.desiredState().problems().forEach(problems::add);
    if (s.desiredState().enforcing().isPresent()) {
      ds.put("enforcing", s.desiredState().enforcing().get().toString());
    } else {
      ds.putNull("enforcing");
    }
    ArrayNode replication = root.putArray("replication");
    for (RunStatus.ReplicationPeer p : s.replication()) {
      ObjectNode o = replication.addObject();
      o.put("peer", p.peer());
      o.put("state", p.state());
      o.put("lag_bytes", p.lagBytes());
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
