package io.pgconverge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgconverge.desired.DesiredState;
import io.pgconverge.desired.Peer;
import io.pgconverge.desired.PeerRole;
import io.pgconverge.desired.ReplicationSpec;
import io.pgconverge.failover.control.ClusterControl;
import io.pgconverge.observe.HostProbe;
import io.pgconverge.observe.PeerView;
import io.pgconverge.observe.PeerViewProbe;
import io.pgconverge.observe.ReplicationRow;
import io.pgconverge.observe.Secret;
import io.pgconverge.observe.SecretProbe;
import io.pgconverge.observe.ServerFact;
import io.pgconverge.report.EtcdClusterStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code pgconverge status --cluster}: one row per peer of the desired state, each asked directly.
 *
 * <ol>
 *   <li>Every peer's server is asked at once ({@link PeerViewProbe}: a replication connection as
 *       the replication user, and on a primary its pg_stat_replication over a normal connection
 *       when its hba allows it). A peer that does not answer within 3 s is a row saying why.
 *   <li>The primary is the answering peer that is not in recovery. Each replica's lag and
 *       streaming come from the primary's walsender row for it (application_name = peer name);
 *       when that is not readable from here, from this host's own server when this host is the
 *       primary; else the lag in bytes is the primary's LSN minus the replica's, and streaming is
 *       unknown (a note, not a problem: the replication user sees its walsenders' state only with
 *       pg_read_all_stats).
 *   <li>This host's row adds its last run and pending restarts from its status file.
 *   <li>Under {@code failover.mode: etcd}, etcd is read at the same time ({@link ClusterControl#status}):
 *       the leader and its lease, paused, the pending request, the member keys; a peer's expected
 *       role is then the leader key's (primary for its holder), not the file's; etcd unreachable
 *       or no leader is a problem, and the peers are shown all the same.
 *   <li>Healthy: every peer answered, in the role the desired state gives it, one primary, every
 *       replica streaming (where that can be seen) on the primary's timeline. Exit 0 healthy, 2 not, 4 could not ask (no
 *       replication section, or its password file unreadable).
 * </ol>
 */
final class ClusterStatusCommand {
  private ClusterStatusCommand() {}

  /** One peer as the table and the JSON show it; null fields are unknown. */
  record Row(String name, String host, int port, String desiredRole, String actualRole, boolean running, Integer timeline,
      String lsn, Long lagBytes, Double lagSeconds, Boolean streaming, String syncState, String slot, List<String> pendingRestart,
      String lastRun, String lastResult, String error) {}

  static int run(DesiredState desired, boolean json, PrintStream out, Path statusFile) throws IOException {
    if (desired.replication().isEmpty()) {
      System.err.println("status --cluster: the desired state has no replication section, so its peers cannot be asked");
      return 4;
    }
    ReplicationSpec rep = desired.replication().get();
    Secret secret = SecretProbe.read(rep.passwordFile());
    if (secret instanceof Secret.Unreadable u) {
      System.err.println("status --cluster: cannot ask the peers: " + u.file() + ": " + u.reason());
      return 4;
    }
    CompletableFuture<Optional<EtcdClusterStatus>> asking = CompletableFuture.supplyAsync(() -> etcd(desired));
    Map<String, PeerView> views = askAll(desired, rep, secret);
    Optional<EtcdClusterStatus> etcd = asking.join();
    List<String> problems = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Optional<Peer> primary = desired.peers().stream()
        .filter(p -> views.get(p.name()).answered() && !views.get(p.name()).inRecovery()).findFirst();
    long writable = desired.peers().stream().filter(p -> views.get(p.name()).answered() && !views.get(p.name()).inRecovery()).count();
    if (writable > 1) {
      problems.add(writable + " peers accept writes");
    } else if (writable == 0) {
      problems.add("no peer answers as a primary");
    }
    Map<String, Sender> senders = primary.map(p -> senders(desired, p, views.get(p.name()))).orElse(Map.of());
    JsonNode lastRun = readStatus(statusFile);
    List<Row> rows = new ArrayList<>();
    for (Peer p : desired.peers()) {
      PeerView v = views.get(p.name());
      String desiredRole = p.role().yamlName();
      boolean self = p.name().equals(desired.self());
      List<String> pending = self && lastRun != null ? strings(lastRun.path("pending_restart")) : null;
      String lastRunAt = self && lastRun != null ? lastRun.path("finished_at").asText(null) : null;
      String lastResult = self && lastRun != null ? lastRun.path("result").asText(null) : null;
      if (!v.answered()) {
        problems.add(p.name() + " does not answer: " + v.error().get());
        rows.add(new Row(p.name(), p.host(), p.port(), desiredRole, null, false, null, null, null, null, null, null, null, pending,
            lastRunAt, lastResult, v.error().get()));
        continue;
      }
      String actual = v.inRecovery() ? "replica" : "primary";
      if (etcd.isEmpty() && !actual.equals(desiredRole)) {
        problems.add(p.name() + " is a " + actual + ", the desired state makes it a " + desiredRole);
      }
      String leaderRole = etcd.flatMap(e -> e.error().isPresent() ? Optional.<String>empty()
          : Optional.of(e.leader().filter(p.name()::equals).isPresent() ? "primary" : "replica")).orElse(actual);
      if (!actual.equals(leaderRole)) {
        problems.add(p.name() + " is a " + actual + ", the leader key in etcd makes it a " + leaderRole);
      }
      Long lagBytes = null;
      Double lagSeconds = null;
      Boolean streaming = null;
      String syncState = null;
      if (v.inRecovery() && primary.isPresent()) {
        PeerView pv = views.get(primary.get().name());
        Sender s = senders.get(p.name());
        if (s != null) {
          streaming = s.streaming();
          syncState = s.syncState();
          lagBytes = s.lagBytes();
          lagSeconds = s.lagSeconds() != null ? s.lagSeconds() : Boolean.TRUE.equals(streaming) && Long.valueOf(0).equals(lagBytes) ? 0.0 : null;
        } else if (!senders.containsKey(SENDERS_READ)) {
          long lag = PeerView.position(pv.lsn()) - PeerView.position(v.lsn());
          lagBytes = PeerView.position(pv.lsn()) < 0 || PeerView.position(v.lsn()) < 0 ? null : Math.max(0, lag);
        } else {
          streaming = false;
        }
        if (streaming == null) {
          notes.add(p.name() + ": whether it streams cannot be seen from here (the primary's pg_stat_replication "
              + pv.sqlError().map(e -> "cannot be read: " + e).orElse("hides it from " + rep.user()) + "); run status --cluster"
              + " on the primary, or grant pg_read_all_stats to " + rep.user() + " and allow it a normal connection in the hba");
        } else if (!streaming) {
          problems.add(p.name() + " is not streaming from " + primary.get().name());
        }
        if (v.timeline() != pv.timeline()) {
          problems.add(p.name() + " is on timeline " + v.timeline() + ", the primary on " + pv.timeline());
        }
      }
      rows.add(new Row(p.name(), p.host(), p.port(), desiredRole, actual, true, v.timeline(), v.lsn(), lagBytes, lagSeconds,
          streaming, syncState, v.primarySlotName(), pending, lastRunAt, lastResult, null));
    }
    etcd.ifPresent(e -> problems.addAll(e.problems()));
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("cluster", desired.cluster());
      m.put("healthy", problems.isEmpty());
      m.put("problems", problems);
      m.put("notes", notes);
      m.put("peers", rows.stream().map(ClusterStatusCommand::jsonRow).toList());
      etcd.ifPresent(e -> m.put("etcd", e.json()));
      out.println(new ObjectMapper().writeValueAsString(m));
    } else {
      out.print(table(rows));
      etcd.ifPresent(e -> out.print(e.text()));
      notes.forEach(n -> out.println("note: " + n));
      out.println(problems.isEmpty() ? "cluster " + desired.cluster() + ": healthy"
          : "cluster " + desired.cluster() + ": UNHEALTHY\n  " + String.join("\n  ", problems));
    }
    return problems.isEmpty() ? 0 : 2;
  }

  /** Under failover.mode etcd, what etcd says (unreachable is a status, not a failure); empty under mode file. */
  private static Optional<EtcdClusterStatus> etcd(DesiredState desired) {
    if (!desired.failover().etcdMode()) {
      return Optional.empty();
    }
    try {
      return Optional.of(ClusterControl.open(desired).status());
    } catch (IOException | RuntimeException e) {
      return Optional.of(EtcdClusterStatus.unreachable(ClusterControl.keys(desired).prefix(), "cannot set up the etcd client: " + e.getMessage()));
    }
  }

  /** A walsender row for a replica, from the primary or from this host's own server. */
  record Sender(boolean streaming, Long lagBytes, Double lagSeconds, String syncState) {}

  /** Marks that the senders were read (so an absent replica means "not connected", not "unknown"). */
  private static final String SENDERS_READ = "";

  private static Map<String, Sender> senders(DesiredState desired, Peer primary, PeerView view) {
    Map<String, Sender> out = new LinkedHashMap<>();
    // without pg_read_all_stats the replication user sees its walsenders' rows with state and
    // LSNs hidden (null): that is "cannot tell", not "not streaming"
    if (view.senders().isPresent() && view.senders().get().stream().anyMatch(s -> s.state() != null)) {
      out.put(SENDERS_READ, null);
      for (PeerView.Sender s : view.senders().get()) {
        out.putIfAbsent(s.applicationName(), new Sender(s.streaming(), s.lagBytes(), s.replayLagSeconds(), s.syncState()));
      }
    } else if (primary.name().equals(desired.self())
        && HostProbe.observe(desired).server() instanceof ServerFact.Running r && !r.inRecovery()) {
      out.put(SENDERS_READ, null);
      for (ReplicationRow row : r.replication().senders()) {
        out.putIfAbsent(row.applicationName(), new Sender(row.streaming(), row.lagBytes() < 0 ? null : row.lagBytes(), null, row.syncState()));
      }
    }
    return out;
  }

  private static Map<String, PeerView> askAll(DesiredState desired, ReplicationSpec rep, Secret secret) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, desired.peers().size()));
    try {
      Map<String, CompletableFuture<PeerView>> asked = new LinkedHashMap<>();
      for (Peer p : desired.peers()) {
        asked.put(p.name(), CompletableFuture.supplyAsync(
            () -> PeerViewProbe.ask(p.host(), p.port(), rep, secret, desired.postgres().ssl()), pool));
      }
      Map<String, PeerView> out = new LinkedHashMap<>();
      asked.forEach((name, f) -> out.put(name, f.join()));
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static JsonNode readStatus(Path statusFile) {
    try {
      return Files.isReadable(statusFile) ? new ObjectMapper().readTree(statusFile.toFile()) : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static Map<String, Object> jsonRow(Row r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", r.name());
    m.put("host", r.host());
    m.put("port", r.port());
    m.put("desired_role", r.desiredRole());
    m.put("actual_role", r.actualRole());
    m.put("running", r.running());
    m.put("timeline", r.timeline());
    m.put("lsn", r.lsn());
    m.put("lag_bytes", r.lagBytes());
    m.put("lag_seconds", r.lagSeconds());
    m.put("streaming", r.streaming());
    m.put("sync_state", r.syncState());
    m.put("slot", r.slot());
    m.put("pending_restart", r.pendingRestart());
    m.put("last_run", r.lastRun());
    m.put("last_result", r.lastResult());
    m.put("error", r.error());
    return m;
  }

  private static String table(List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    String f = "%-10s %-21s %-8s %-8s %-7s %-8s %-11s %-9s %-7s %-9s %-9s %-11s %-8s %s%n";
    sb.append(String.format(f, "peer", "host", "desired", "actual", "running", "timeline", "lsn", "lag_bytes", "lag_s",
        "streaming", "sync", "slot", "pending", "last run"));
    for (Row r : rows) {
      String host = r.host() + ":" + r.port();
      if (r.error() != null) {
        sb.append(String.format("%-10s %-21s %-8s %-8s %-7s %s%n", r.name(), host, r.desiredRole(), "-", "no",
            "does not answer: " + r.error()));
        continue;
      }
      sb.append(String.format(f, r.name(), host, r.desiredRole(), r.actualRole(), "yes", dash(r.timeline()), dash(r.lsn()),
          dash(r.lagBytes()), r.lagSeconds() == null ? "-" : String.format("%.1f", r.lagSeconds()),
          r.streaming() == null ? (r.actualRole().equals("primary") ? "-" : "?") : r.streaming() ? "yes" : "NO", dash(r.syncState()), dash(r.slot()),
          r.pendingRestart() == null ? "?" : r.pendingRestart().isEmpty() ? "none" : String.join(",", r.pendingRestart()),
          r.lastResult() == null ? "-" : r.lastResult() + " at " + r.lastRun()));
    }
    return sb.toString();
  }

  private static String dash(Object o) {
    return o == null ? "-" : o.toString();
  }
}
