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
    gauge(b, "pgconverge_desired_state_problems", "Problems found in the desired-state file on disk (0 when it is valid).",
        Integer.toString(s.desiredState().problems().size()));
    gauge(b, "pgconverge_last_run_duration_seconds", "How long the last run took.", seconds(s.duration().toNanos() / 1e9));
    return b.toString();
  }

  private static void gauge(StringBuilder b, String name, String help, String value) {
    header(b, name, help);
    b.append(name).append(' ').append(value).append('\n');
  }

  private static void header(StringBuilder b, String name, String help) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" gauge\n");
  }

  private static String seconds(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  /** A label value with backslash, double quote and newline escaped, as the format requires. */
  static String label(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
