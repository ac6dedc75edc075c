package io.pgconverge.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shape of {@code pgconverge status --json}, with snake_case keys. Has no side effects. */
public final class StatusJson {
  private StatusJson() {}

  public static Map<String, Object> of(HostStatus s, Object lastRun) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("self", s.self());
    m.put("desired_role", s.desiredRole());
    m.put("server", s.server());
    m.put("in_recovery", s.inRecovery());
    m.put("timeline", s.timeline());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (HostStatus.Replica r : s.replication()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("peer", r.peer());
      row.put("application_name", r.applicationName());
      row.put("client_addr", r.clientAddr());
      row.put("state", r.state());
      row.put("replay_lsn", r.replayLsn());
      row.put("lag_bytes", r.lagBytes() < 0 ? null : r.lagBytes());
      row.put("streaming", r.streaming());
      row.put("sync_state", r.syncState());
      rows.add(row);
    }
    m.put("replication", rows);
    m.put("wal_receiver", s.walReceiver().map(w -> {
      Map<String, Object> w2 = new LinkedHashMap<>();
      w2.put("status", w.status());
      w2.put("sender_host", w.senderHost());
      w2.put("sender_port", w.senderPort());
      w2.put("slot_name", w.slotName());
      return (Object) w2;
    }).orElse(null));
    m.put("waiting_for", s.waitingFor());
    m.put("drift", s.drift());
    m.put("pending_restart", s.pendingRestart());
    s.synchronous().ifPresent(d -> {
      Map<String, Object> sync = new LinkedHashMap<>();
      sync.put("declared", d.declared());
      sync.put("effective", d.effective());
      sync.put("degraded", d.degraded());
      sync.put("strict", d.strict());
      sync.put("reason", d.reason());
      m.put("synchronous", sync);
    });
    m.put("last_run", lastRun);
    return m;
  }
}
