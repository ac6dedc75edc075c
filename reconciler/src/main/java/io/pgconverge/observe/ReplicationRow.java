package io.pgconverge.observe;

/**
 * One walsender as the primary sees it (pg_stat_replication). {@code lagBytes} is how far the
 * replica's replay is behind the primary's current WAL position, or -1 when replay_lsn is unknown;
 * {@code lagSeconds} is the server's replay_lag (0 when the replica has replayed everything and
 * the server stopped measuring, -1 when unknown). {@code syncState} is the server's sync_state
 * ({@code async}, {@code potential}, {@code sync} or {@code quorum}), null when unknown.
 */
public record ReplicationRow(
    int pid, String applicationName, String clientAddr, String state, String replayLsn, long lagBytes, boolean ssl,
    double lagSeconds, String syncState) {
  public ReplicationRow(int pid, String applicationName, String clientAddr, String state, String replayLsn, long lagBytes, boolean ssl) {
    this(pid, applicationName, clientAddr, state, replayLsn, lagBytes, ssl, -1, null);
  }

  /**
   * Whether the primary waits for this standby's confirmation before it acknowledges a commit
   * ({@code sync} or {@code quorum}).
   */
  public boolean synchronous() {
    return "sync".equals(syncState) || "quorum".equals(syncState);
  }

  /** Streaming for real: not pg_basebackup's own connection, which has no replay position yet. */
  public boolean streaming() {
    return "streaming".equals(state) && replayLsn != null;
  }
}
