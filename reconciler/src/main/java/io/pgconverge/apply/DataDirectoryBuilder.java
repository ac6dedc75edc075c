package io.pgconverge.apply;

import io.pgconverge.host.CommandResult;
import io.pgconverge.host.Commands;
import io.pgconverge.plan.Action;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds a new cluster with initdb in a staging directory beside PGDATA and moves it into place
 * only once initdb succeeded, so a crash never leaves a half-made PGDATA. When PGDATA is missing
 * the staging directory is renamed onto it (one atomic step); when it exists empty (a mount
 * point), the entries are moved in with PG_VERSION last, so an interrupted move is never taken
 * for a cluster.
 */
public final class DataDirectoryBuilder {
  private DataDirectoryBuilder() {}

  public static String initdb(Action.InitDataDirectory a) throws IOException {
    Path data = a.data().toAbsolutePath();
    Path parent = data.getParent();
    if (!Files.isDirectory(parent)) {
      Files.createDirectories(parent);
    }
    if (!Files.isWritable(parent)) {
      throw new IOException("cannot build the cluster beside " + data + ": " + parent + " is not writable by "
          + System.getProperty("user.name"));
    }
    boolean hadLeftover = Staging.removeLeftover(data);
    Path staging = Staging.beside(data);
    List<String> argv = new ArrayList<>(List.of(a.bin().resolve("initdb").toString(), "-D", staging.toString(),
        "--auth-local=peer", "--auth-host=scram-sha-256"));
    argv.addAll(a.initdbArgs());
    CommandResult r = Commands.runCancellable(argv, Duration.ofMinutes(5));
    if (!r.ok()) {
      if (Files.exists(staging)) {
        Staging.deleteTree(staging);
      }
      throw new IOException("initdb failed (exit " + r.exitCode() + "): " + r.tail(5));
    }
    if (!a.config().toAbsolutePath().normalize().equals(data.normalize())) {
      Path config = a.config();
      Files.createDirectories(config);
      Path ident = config.resolve("pg_ident.conf");
      if (!Files.exists(ident)) {
        Files.move(staging.resolve("pg_ident.conf"), ident);
      }
      Files.deleteIfExists(staging.resolve("pg_ident.conf"));
      Files.deleteIfExists(staging.resolve("postgresql.conf"));
      Files.deleteIfExists(staging.resolve("pg_hba.conf"));
    }
    if (!Files.exists(data)) {
      Files.move(staging, data, StandardCopyOption.ATOMIC_MOVE);
    } else {
      moveEntriesInto(staging, data);
    }
    AtomicFiles.fsyncDirectory(parent);
    return "initdb into " + staging.getFileName() + ", moved to " + data + (hadLeftover ? " (removed a leftover staging directory first)" : "");
  }

  private static void moveEntriesInto(Path staging, Path data) throws IOException {
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
    List<Path> entries;
    try (Stream<Path> s = Files.list(staging)) {
      entries = s.filter(p -> !p.getFileName().toString().equals("PG_VERSION")).toList();
    }
    for (Path e : entries) {
      Files.move(e, data.resolve(e.getFileName()), StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(staging.resolve("PG_VERSION"), data.resolve("PG_VERSION"), StandardCopyOption.ATOMIC_MOVE);
    Files.delete(staging);
  }
}
