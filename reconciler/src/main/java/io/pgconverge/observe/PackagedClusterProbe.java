package io.pgconverge.observe;

import io.pgconverge.pg.ConfEntry;
import io.pgconverge.pg.ConfFile;
import io.pgconverge.pg.ConfParser;
import io.pgconverge.pg.ConfSyntaxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds the clusters Debian's postgresql-common keeps under {@code /etc/postgresql/<version>/<name>/}
 * (the package's own {@code main} among them): their data directory, port and whether their server
 * runs (the PID in {@code postmaster.pid} or the {@code external_pid_file} is alive). Reads only;
 * what it cannot read it leaves out.
 */
public final class PackagedClusterProbe {
  public static final Path ROOT = Path.of("/etc/postgresql");

  private PackagedClusterProbe() {}

  public static List<PackagedCluster> find(Path root) {
    List<PackagedCluster> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> versions = Files.list(root)) {
      for (Path v : versions.sorted().toList()) {
        if (!Files.isDirectory(v)) {
          continue;
        }
        try (Stream<Path> names = Files.list(v)) {
          for (Path c : names.sorted().toList()) {
            read(v.getFileName().toString(), c).ifPresent(out::add);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return out;
    }
    return out;
  }

  /** A parsed postgresql.conf and the modification time it was parsed at (the daemon asks on every run). */
  private record Parsed(java.nio.file.attribute.FileTime modified, ConfFile file) {}

  private static final java.util.Map<Path, Parsed> PARSED = new java.util.concurrent.ConcurrentHashMap<>();

  static java.util.Optional<PackagedCluster> read(String version, Path dir) {
    Path conf = dir.resolve("postgresql.conf");
    ConfFile f;
    try {
      java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(conf);
      Parsed p = PARSED.get(conf);
      if (p == null || !p.modified().equals(modified)) {
        p = new Parsed(modified, ConfParser.parse(Files.readString(conf, StandardCharsets.UTF_8)));
        PARSED.put(conf, p);
      }
      f = p.file();
    } catch (IOException | ConfSyntaxException e) {
      return java.util.Optional.empty();
    }
    String name = dir.getFileName().toString();
    Path data = f.get("data_directory").map(ConfEntry::value).map(Path::of)
        .orElse(Path.of("/var/lib/postgresql", version, name));
    int port;
    try {
      port = f.get("port").map(ConfEntry::value).map(Integer::parseInt).orElse(5432);
    } catch (NumberFormatException e) {
      port = 5432;
    }
    boolean running = alive(data.resolve("postmaster.pid"))
        || f.get("external_pid_file").map(e -> alive(Path.of(e.value()))).orElse(false);
    return java.util.Optional.of(new PackagedCluster(version, name, dir, data, port, running));
  }

  private static boolean alive(Path pidFile) {
    try {
      String first = Files.readAllLines(pidFile, StandardCharsets.US_ASCII).stream().findFirst().orElse("").strip();
      return first.matches("[0-9]+") && ProcessHandle.of(Long.parseLong(first)).map(ProcessHandle::isAlive).orElse(false);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
