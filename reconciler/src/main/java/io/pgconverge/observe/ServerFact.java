package io.pgconverge.observe;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Whether this host's server runs, and if so what it reports about itself. */
public sealed interface ServerFact {

  /** No server answers on the socket, and no postmaster.pid claims one. */
  record NotRunning(String reason) implements ServerFact {}

  /** A server seems to run (postmaster.pid, socket) but could not be queried. */
  record Unreachable(String reason) implements ServerFact {}

  /** The server answered; everything below comes from its own views. */
  record Running(
      int serverVersionNum,
      boolean inRecovery,
      Instant startedAt,
      Map<String, LiveSetting> settings,
      Map<String, LiveRole> roles,
      List<FileSettingError> configErrors,
      Replication replication)
      implements ServerFact {}

  /**
   * The server's replication as it reports it: its system identifier and timeline, the walsenders
   * and slots (on a primary), the WAL receiver (on a replica), and whether the role pg_rewind uses
   * on this server exists with the rights it needs.
   */
  record Replication(
      String systemIdentifier,
      int timeline,
      List<ReplicationRow> senders,
      List<SlotRow> slots,
      java.util.Optional<WalReceiverRow> receiver,
      boolean rewindRoleReady) {
    public static final Replication NONE = new Replication("", 0, List.of(), List.of(), java.util.Optional.empty(), false);
  }
}
