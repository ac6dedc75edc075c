package io.pgconverge.desired;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code postgres} section: where the server's binaries, data and config live, who runs it,
 * and what its two config files must say.
 *
 * @param bin the binary directory, when the user named one (otherwise it is located)
 * @param config where postgresql.conf and pg_hba.conf live; equals {@code data} by default
 * @param socketDirectory the Unix socket directory the server listens on and the reconciler
 *     connects through
 * @param settings postgresql.conf settings in the order written, values as the user wrote them
 * @param ssl the server's certificate, key and CA; when present replication runs over TLS
 */
public record PostgresSpec(
    Optional<Path> bin,
    Path data,
    Path config,
    String user,
    List<String> initdbArgs,
    Map<String, String> settings,
    List<HbaLineSpec> hba,
    Path socketDirectory,
    Optional<SslSpec> ssl) {

  public PostgresSpec {
    initdbArgs = List.copyOf(initdbArgs);
    settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    hba = List.copyOf(hba);
  }

  /** True when the config files live outside the data directory (the Debian layout). */
  public boolean separateConfig() {
    return !config.normalize().equals(data.normalize());
  }

  public Path postgresqlConf() {
    return config.resolve("postgresql.conf");
  }

  public Path hbaConf() {
    return config.resolve("pg_hba.conf");
  }

  public Path identConf() {
    return config.resolve("pg_ident.conf");
  }

  public Path autoConf() {
    return data.resolve("postgresql.auto.conf");
  }

  public Path standbySignal() {
    return data.resolve("standby.signal");
  }

  /** The backup_label a base backup or pg_rewind leaves in PGDATA until the server's first start reads it. */
  public Path backupLabel() {
    return data.resolve("backup_label");
  }

  /** The libpq password file replicas use to reach the primary: beside PGDATA, mode 0600. */
  public Path passfile() {
    return data.toAbsolutePath().getParent().resolve("." + data.getFileName() + ".pgpass");
  }
}
