package io.pgconverge.observe;

import io.pgconverge.pg.BinaryLocator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the server binaries: the directory the desired state names, else the highest Debian
 * (/usr/lib/postgresql/VER/bin) or RHEL (/usr/pgsql-VER/bin) version, else PATH. Reads only.
 */
public final class BinaryProbe {
  private BinaryProbe() {}

  public static BinaryFact locate(Optional<Path> named) {
    if (named.isPresent()) {
      Path dir = named.get();
      return hasServer(dir)
          ? new BinaryFact.Found(dir)
          : new BinaryFact.NotFound("postgres.bin " + dir + " holds no executable postgres, pg_ctl and initdb");
    }
    List<Path> debian = subdirs(Path.of("/usr/lib/postgresql"), "bin");
    List<Path> rhel = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/usr"))) {
      s.filter(p -> p.getFileName().toString().startsWith("pgsql-")).forEach(p -> rhel.add(p.resolve("bin")));
    } catch (IOException e) {
      // no /usr listing: nothing to add
    }
    List<Path> path = new ArrayList<>();
    String env = System.getenv("PATH");
    if (env != null) {
      for (String part : env.split(":")) {
        if (!part.isBlank()) {
          path.add(Path.of(part));
        }
      }
    }
    return BinaryLocator.choose(BinaryLocator.candidates(debian, rhel, path), BinaryProbe::hasServer)
        .<BinaryFact>map(BinaryFact.Found::new)
        .orElseGet(
            () -> new BinaryFact.NotFound(
                "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin or PATH; set postgres.bin"));
  }

  private static List<Path> subdirs(Path parent, String child) {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(parent)) {
      s.forEach(p -> out.add(p.resolve(child)));
    } catch (IOException e) {
      // absent: nothing to add
    }
    return out;
  }

  static boolean hasServer(Path dir) {
    return Files.isExecutable(dir.resolve("postgres"))
        && Files.isExecutable(dir.resolve("pg_ctl"))
        && Files.isExecutable(dir.resolve("initdb"));
  }
}
