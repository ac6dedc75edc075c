package io.pgconverge.observe;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Whether this host's server runs, and if so what it reports about itself. */
public sealed interface ServerFact {

  /**
   * No server runs: none answers on the socket and no postmaster.pid claims one, or ({@code
   * crashed}) postmaster.pid names a PID that is not a postmaster of this data directory any more
   * (killed, the OOM killer, a crash): stopped without cleaning up, so started again.
   */
  record NotRunning(String reason, boolean crashed) implements ServerFact {
    public NotRunning(String reason) {
      this(reason, false);
    }
  }

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
      Replication replication,
      ConfLoad confLoad)
      implements ServerFact {
    public Running(int serverVersionNum, boolean inRecovery, Instant startedAt, Map<String, LiveSetting> settings,
        Map<String, LiveRole> roles, List<FileSettingError> configErrors, Replication replication) {
      this(serverVersionNum, inRecovery, startedAt, settings, roles, configErrors, replication, ConfLoad.UNKNOWN);
    }
  }

  /**
   * When the server last loaded its config files ({@code pg_conf_load_time()}) and its clock at
   * the moment it was asked ({@code clock_timestamp()}), both to the microsecond; empty when not
   * read. A managed file modified after the load and not after "now" was written and not loaded.
   */
  record ConfLoad(java.util.Optional<Instant> loadedAt, java.util.Optional<Instant> now) {
    public static final ConfLoad UNKNOWN = new ConfLoad(java.util.Optional.empty(), java.util.Optional.empty());

    public static ConfLoad of(Instant loadedAt, Instant now) {
      return new ConfLoad(java.util.Optional.of(loadedAt), java.util.Optional.of(now));
    }
  }

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

    /** True when the WAL receiver streams from {@code host:port}. */
    public boolean streamsFrom(String host, int port) {
      return receiver.filter(w -> "streaming".equals(w.status()) && host.equals(w.senderHost()) && w.senderPort() == port)
          .isPresent();
    }
  }
}
