package io.pgconverge.desired;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The keys each mapping of a version-1 desired-state file may hold, in the order the
 * documentation lists them. The loader and the JSON Schema test both read these lists, so the
 * schema cannot drift from the loader unnoticed.
 */
final class DesiredStateKeys {
  static final List<String> TOP =
      List.of("version", "cluster", "self", "peers", "postgres", "roles", "replication", "policy", "schedule", "failover");
  static final List<String> PEER = List.of("name", "host", "port", "role", "failover_priority", "nosync");
  static final List<String> POSTGRES =
      List.of(
          "bin", "data", "config", "user", "initdb", "settings", "hba", "socket_directory", "ssl");
  static final List<String> SSL = List.of("cert_file", "key_file", "ca_file");
  static final List<String> ROLE =
      List.of(
          "name",
          "login",
          "replication",
          "superuser",
          "createdb",
          "createrole",
          "connection_limit",
          "password_file");
  static final List<String> REPLICATION = List.of("user", "password_file", "slots", "synchronous");
  static final List<String> SYNCHRONOUS = List.of("method", "number", "strict");
  static final List<String> POLICY = List.of("restart", "reclone", "window");
  static final List<String> WINDOW = List.of("cron", "duration");
  static final List<String> SCHEDULE = List.of("every", "jitter", "cron");

  /** Settings pgconverge writes itself, each with the field it comes from: the rows of {@link OwnedSetting}. */
  static final Map<String, String> OWNED_SETTINGS = OwnedSetting.sourceByName();

  private DesiredStateKeys() {}

  /** The known key closest to {@code unknown}, when it is within two edits of it. */
  static Optional<String> closest(String unknown, List<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String candidate : known) {
      int d = editDistance(unknown, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Levenshtein distance: insertions, deletions and substitutions. */
  static int editDistance(String a, String b) {
    return io.pgconverge.pg.SettingCheck.editDistance(a, b);
  }
}
