package io.pgconverge.observe;

import java.util.List;
import java.util.Optional;

/**
 * What one peer's server said about itself when asked for {@code status --cluster}. Read over a
 * physical replication connection as the replication user (IDENTIFY_SYSTEM, SHOW), plus what a
 * normal connection as that user could read when the peer's hba allows one ({@code senders} on a
 * primary).
 *
 * @param error why it did not answer; empty when it did
 * @param lsn its WAL position (IDENTIFY_SYSTEM's xlogpos: written on a primary, flushed on a replica)
 * @param senders its walsenders (pg_stat_replication) when it is a primary and a normal connection
 *     was allowed; empty when not readable
 * @param sqlError why the normal connection failed, when it did
 */
public record PeerView(
    Optional<String> error,
    String systemIdentifier,
    int timeline,
    String lsn,
    boolean inRecovery,
    String primarySlotName,
    Optional<List<Sender>> senders,
    Optional<String> sqlError) {

  /**
   * One walsender row as the primary reports it; lag in bytes of replay, replay_lag in seconds
   * (null when idle), and sync_state (null when hidden from the asking user).
   */
  public record Sender(String applicationName, String state, String replayLsn, Long lagBytes, Double replayLagSeconds, String syncState) {
    public boolean streaming() {
      return "streaming".equals(state) && replayLsn != null;
    }
  }

  public static PeerView silent(String why) {
    return new PeerView(Optional.of(why), null, 0, null, false, null, Optional.empty(), Optional.empty());
  }

  public boolean answered() {
    return error.isEmpty();
  }

  /** An LSN "X/Y" as a byte position; -1 when null or malformed. Has no side effects. */
  public static long position(String lsn) {
    if (lsn == null || !lsn.matches("[0-9A-Fa-f]+/[0-9A-Fa-f]+")) {
      return -1;
    }
    String[] p = lsn.split("/");
    return (Long.parseLong(p[0], 16) << 32) + Long.parseLong(p[1], 16);
  }
}
