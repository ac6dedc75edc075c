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
      List<FileSettingError> configErrors)
      implements ServerFact {}
}
