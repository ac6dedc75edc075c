package io.pgconverge.report;

import io.pgconverge.plan.Drift;
import io.pgconverge.plan.DriftKind;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the metrics file in the Prometheus text exposition format (version 0.0.4), for
 * node_exporter's textfile collector. Every metric has its HELP and TYPE lines, also when it has
 * no sample (replication lag before there are peers). A labelled metric whose label values form
 * a closed set (role, result, drift kind) has a sample for every value, 0 for the absent ones,
 * so queries and alerts see a series from the first scrape. Has no side effects.
 *
 * <p>Layout: one call per metric, in the order of the file; add a metric by adding a call.
 */
public final class MetricsText {
  private MetricsText() {}

  /** The roles {@code pgconverge_role} has a sample for; "none" when no server answered. */
  static final String[] ROLES = {"primary", "replica", "none"};

  /** The metrics of a one-shot run: the run counter holds that one run. */
  public static String render(RunStatus s) {
    return render(s, Map.of(s.result(), 1L), s.serverCrashRestarts());
  }

  /** The metrics with the daemon's run counter; this run's own crash restarts as their total. */
  public static String render(RunStatus s, Map<RunResult, Long> runs) {
    return render(s, runs, s.serverCrashRestarts());
  }

  /** The metrics of a one-shot run that carries the crash-restart total on from an earlier metrics file. */
  public static String render(RunStatus s, long serverCrashRestartsTotal) {
    return render(s, Map.of(s.result(), 1L), serverCrashRestartsTotal);
  }

  /**
   * @param runs how many runs ended with each result since the daemon started (a counter: it
   *     restarts from zero with the daemon, which Prometheus' rate() and increase() allow for)
   * @param serverCrashRestartsTotal the restarts after a crash counted so far, this run's included
   *     (the daemon keeps the total; a one-shot apply carries on from the metrics file it replaces)
   */
  public static String render(RunStatus s, Map<RunResult, Long> runs, long serverCrashRestartsTotal) {
    StringBuilder b = new StringBuilder();
    header(b, "pgconverge_build_info", "The running pgconverge's version; always 1.", "gauge");
    sample(b, "pgconverge_build_info", "version", version(), "1");
    gauge(b, "pgconverge_last_run_timestamp_seconds", "Unix time when the last run ended.",
        seconds(s.finishedAt().toEpochMilli() / 1000.0));
    gauge(b, "pgconverge_last_run_success", "1 when the last run left the host in sync or changed it without failure, else 0.",
        s.success() ? "1" : "0");
    header(b, "pgconverge_runs_total", "Runs since the daemon started, by how they ended.", "counter");
    for (RunResult r : RunResult.values()) {
      sample(b, "pgconverge_runs_total", "result", r.word(), Long.toString(runs.getOrDefault(r, 0L)));
    }
    header(b, "pgconverge_drift_items", "Drift items the last run found, by kind (sum them for the total).", "gauge");
    Map<DriftKind, Integer> kinds = new EnumMap<>(DriftKind.class);
    for (Drift d : s.drifts()) {
      kinds.merge(d.kind(), 1, Integer::sum);
    }
    for (DriftKind k : DriftKind.values()) {
      sample(b, "pgconverge_drift_items", "kind", k.text(), Integer.toString(kinds.getOrDefault(k, 0)));
    }
    gauge(b, "pgconverge_pending_restart", "Settings waiting for a server restart.", Integer.toString(s.pendingRestarts().size()));
    header(b, "pgconverge_role", "1 for the role the server runs in now (primary, replica; none when no server answered).", "gauge");
    for (String role : ROLES) {
      sample(b, "pgconverge_role", "role", role, role.equals(s.server().role()) ? "1" : "0");
    }
    gauge(b, "pgconverge_timeline", "The server's timeline (0 when unknown).", Integer.toString(s.server().timeline()));
    header(b, "pgconverge_replication_connected", "1 when WAL streams to (on the primary) or from (on a replica) the peer, else 0.",
        "gauge");
    for (RunStatus.ReplicationPeer p : s.replication()) {
      sample(b, "pgconverge_replication_connected", "peer", p.peer(), p.connected() ? "1" : "0");
    }
    header(b, "pgconverge_replication_lag_bytes", "Replication lag to or from each peer, in bytes of WAL.", "gauge");
    for (RunStatus.ReplicationPeer p : s.replication()) {
      if (p.lagBytes() < 0) {
        continue; // unknown (not connected, or seen from the replica's side): no sample rather than a false number
      }
      sample(b, "pgconverge_replication_lag_bytes", "peer", p.peer(), Long.toString(p.lagBytes()));
    }
    header(b, "pgconverge_replication_lag_seconds",
        "How far each replica's replay is behind, in seconds (the primary's pg_stat_replication.replay_lag).", "gauge");
    for (RunStatus.ReplicationPeer p : s.replication()) {
      if (p.lagSeconds() < 0) {
        continue;
      }
      sample(b, "pgconverge_replication_lag_seconds", "peer", p.peer(), seconds(p.lagSeconds()));
    }
    header(b, "pgconverge_replication_sync",
        "1 when the primary waits for the peer to confirm each commit (sync_state sync or quorum), else 0; label state is its sync_state.",
        "gauge");
    for (RunStatus.ReplicationPeer p : s.replication()) {
      if (p.syncState() == null) {
        continue; // seen from a replica, or not connected: the primary alone knows
      }
      b.append("pgconverge_replication_sync{peer=\"").append(label(p.peer())).append("\",state=\"").append(label(p.syncState()))
          .append("\"} ").append(p.synchronous() ? "1" : "0").append('\n');
    }
    if (s.synchronous().isPresent()) {
      gauge(b, "pgconverge_replication_synchronous_degraded",
          "1 when the primary dropped to asynchronous (replication.synchronous.strict: false, too few standbys stream), else 0.",
          s.synchronous().get().degraded() ? "1" : "0");
    }
    gauge(b, "pgconverge_desired_state_valid", "1 when the desired-state file on disk is valid, else 0.",
        s.desiredState().valid() ? "1" : "0");
    gauge(b, "pgconverge_desired_state_problems", "Problems found in the desired-state file on disk (0 when it is valid).",
        Integer.toString(s.desiredState().problems().size()));
    gauge(b, "pgconverge_last_run_duration_seconds", "How long the last run took.", seconds(s.duration().toNanos() / 1e9));
    header(b, SERVER_CRASH_RESTARTS, "Times pgconverge found the server crashed (postmaster gone, postmaster.pid left) and started it again.", "counter");
    b.append(SERVER_CRASH_RESTARTS).append(' ').append(serverCrashRestartsTotal).append('\n');
    return b.toString();
  }

  private static void gauge(StringBuilder b, String name, String help, String value) {
    header(b, name, help, "gauge");
    b.append(name).append(' ').append(value).append('\n');
  }

  private static void header(StringBuilder b, String name, String help, String type) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder b, String name, String label, String value, String sample) {
    b.append(name).append('{').append(label).append("=\"").append(label(value)).append("\"} ").append(sample).append('\n');
  }

  private static String version() {
    String v = MetricsText.class.getPackage().getImplementationVersion();
    return v == null ? "unknown" : v;
  }

  /** The counter of restarts after a crash; {@link #counterIn} reads it back from a metrics file. */
  public static final String SERVER_CRASH_RESTARTS = "pgconverge_server_crash_restarts_total";

  /** The value of the sample {@code name} in a metrics text, or 0 when it has none. Has no side effects. */
  public static long counterIn(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) {
        try {
          return Long.parseLong(line.substring(name.length() + 1).strip());
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }

  private static String seconds(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  /** A label value with backslash, double quote and newline escaped, as the format requires. */
  static String label(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
