package io.pgconverge.pg;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides where to look for the PostgreSQL server binaries; the caller lists directories and
 * tests for files, this class only orders them.
 *
 * <ol>
 *   <li>Debian/Ubuntu version directories {@code /usr/lib/postgresql/<ver>} and RHEL (PGDG)
 *       directories {@code /usr/pgsql-<ver>} each contribute their {@code bin} directory (a path
 *       already ending in {@code bin} is taken as is).
 *   <li>These are sorted by version, highest first ({@code 17} before {@code 9.6}; on a tie
 *       Debian first); directories whose version cannot be read come after all versioned ones.
 *   <li>Then the {@code PATH} entries in their order.
 *   <li>Duplicates are dropped, keeping the first.
 * </ol>
 */
public final class BinaryLocator {
  private static final Pattern VERSION = Pattern.compile("(?:pgsql-)?([0-9]+(?:\\.[0-9]+)*)");

  private BinaryLocator() {}

  /** The first candidate for which the caller's predicate holds. Has no side effects itself. */
  public static Optional<Path> choose(List<Path> candidateDirs, Predicate<Path> hasPostgresBinary) {
    return candidateDirs.stream().filter(hasPostgresBinary).findFirst();
  }

  /** The candidate bin directories in search order. Has no side effects. */
  public static List<Path> candidates(
      List<Path> debianVersionDirs, List<Path> rhelDirs, List<Path> pathDirs) {
    record Candidate(Path bin, int[] version, int family) {}
    List<Candidate> versioned = new ArrayList<>();
    for (Path dir : debianVersionDirs) {
      versioned.add(new Candidate(binOf(dir), versionOf(dir), 0));
    }
    for (Path dir : rhelDirs) {
      versioned.add(new Candidate(binOf(dir), versionOf(dir), 1));
    }
    Comparator<Candidate> byVersion =
        (a, b) -> compareVersions(b.version(), a.version()); // descending
    versioned.sort(byVersion.thenComparingInt(Candidate::family));
    LinkedHashSet<Path> ordered = new LinkedHashSet<>();
    versioned.forEach(c -> ordered.add(c.bin()));
    ordered.addAll(pathDirs);
    return List.copyOf(ordered);
  }

  private static Path binOf(Path dir) {
    Path name = dir.getFileName();
    return name != null && name.toString().equals("bin") ? dir : dir.resolve("bin");
  }

  /** The version from {@code .../15}, {@code .../pgsql-15} or {@code .../15/bin}; empty if none. */
  static int[] versionOf(Path dir) {
    Path d = dir;
    if (d.getFileName() != null && d.getFileName().toString().equals("bin")) {
      d = d.getParent();
    }
    if (d == null || d.getFileName() == null) {
      return new int[0];
    }
    Matcher m = VERSION.matcher(d.getFileName().toString());
    if (!m.matches()) {
      return new int[0];
    }
    String[] parts = m.group(1).split("\\.");
    int[] version = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      version[i] = Integer.parseInt(parts[i]);
    }
    return version;
  }

  private static int compareVersions(int[] a, int[] b) {
    if (a.length == 0 || b.length == 0) {
      return Boolean.compare(a.length > 0, b.length > 0);
    }
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      int x = i < a.length ? a[i] : 0;
      int y = i < b.length ? b[i] : 0;
      if (x != y) {
        return Integer.compare(x, y);
      }
    }
    return 0;
  }
}
