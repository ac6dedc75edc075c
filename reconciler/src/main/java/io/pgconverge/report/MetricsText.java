package io.pgconverge.report;

import java.util.Locale;

/**
 * Renders the metrics file in the Prometheus text exposition format (version 0.0.4), for
 * node_exporter's textfile collector. Every metric has its HELP and TYPE lines, also when it has
 * no sample (replication lag before there are peers). Has no side effects.
 */
public final class MetricsText {
  private MetricsText() {}

  public static String render(RunStatus s) {
    return render(s, s.serverCrashRestarts());
  }

  /**
   * @param serverCrashRestartsTotal the restarts after a crash counted so far, this run's included
   *     (the daemon keeps the total; a one-shot apply carries on from the metrics file it replaces)
   */
  public static String render(RunStatus s, long serverCrashRestartsTotal) {
    StringBuilder b = new StringBuilder();
    gauge(b, "pgconverge_last_run_timestamp_seconds", "Unix time when the last run ended.",
        seconds(s.finishedAt().toEpochMilli() / 1000.0));
    gauge(b, "pgconverge_last_run_success", "1 when the last run left the host in sync or changed it without failure, else 0.",
        s.success() ? "1" : "0");
    gauge(b, "pgconverge_drift_items", "Drift items the last run found.", Integer.toString(s.drifts().size()));
    gauge(b, "pgconverge_pending_restart", "Settings waiting for a server restart.", Integer.toString(s.pendingRestarts().size()));
    header(b, "pgconverge_replication_lag_bytes", "Replication lag to or from each peer, in bytes of WAL.");
    for (RunStatus.ReplicationPeer p : s.replication()) {
      if (p.lagBytes() < 0) {
        continue; // unknown (not connected, or seen from the replica's side): no sample rather than a false number
      }
      b.append("pgconverge_replication_lag_bytes{peer=\"").append(label(p.peer())).append("\"} ").append(p.lagBytes()).append('\n');
    }
    gauge(b, "pgconverge_desired_state_valid", "1 when the desired-state file on disk is valid, else 0.",
        s.desiredState().valid() ? "1" : "0");
    gauge(b, "pgconverge_last_run_duration_seconds", "How long the last run took.", seconds(s.duration().toNanos() / 1e9));
    header(b, SERVER_CRASH_RESTARTS, "Times pgconverge found the server crashed (postmaster gone, postmaster.pid left) and started it again.", "counter");
    b.append(SERVER_CRASH_RESTARTS).append(' ').append(serverCrashRestartsTotal).append('\n');
    return b.toString();
  }

  private static void gauge(StringBuilder b, String name, String help, String value) {
    header(b, name, help);
    b.append(name).append(' ').append(value).append('\n');
  }

  private static void header(StringBuilder b, String name, String help) {
    header(b, name, help, "gauge");
  }

  private static void header(StringBuilder b, String name, String help, String type) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
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
