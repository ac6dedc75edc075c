package io.pgconverge.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM the tests start the product in, as the packaged launcher ({@code resources/pgconverge})
 * starts it: serial GC, C1 only, no perf data, small stacks, and a class-data archive written once
 * per test JVM by {@code cds-train} (what the packages' post-install does). A whole-process run
 * then costs about half the CPU of a bare {@code java -jar} (measured: 2.2 s instead of 4.4 s for a
 * check started as root, which re-executes itself as postgres with these same options). When the
 * archive cannot be written, runs go on without it ({@code -Xshare:auto}), only slower to start.
 */
final class ProductJvm {
  /** The launcher's options that make a short run cheap (its heap caps are left out: tests may load large files). */
  static final List<String> LAUNCHER_OPTIONS =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xss512k");

  private static Path archive;
  private static boolean tried;

  private ProductJvm() {}

  /** {@code java <launcher options> <archive> <extra> -jar <jar>}: append the product's arguments. */
  static List<String> command(List<String> extraJvmOptions) {
    List<String> c = new ArrayList<>();
    c.add(java());
    c.addAll(LAUNCHER_OPTIONS);
    c.add(archive().map(a -> "-XX:SharedArchiveFile=" + a).orElse("-Xshare:auto"));
    c.addAll(extraJvmOptions);
    c.add("-jar");
    c.add(Cli.jar().toString());
    return c;
  }

  static String java() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * The archive, written on first use into a directory the postgres user can read (a run started
   * as root re-executes itself with the same options); removed when the test JVM exits.
   */
  static synchronized java.util.Optional<Path> archive() {
    if (!tried) {
      tried = true;
      try {
        Path dir = Files.createTempDirectory("pgc-it-cds-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path file = dir.resolve("pgconverge.jsa");
        List<String> dump = new ArrayList<>(List.of(java()));
        dump.addAll(LAUNCHER_OPTIONS);
        dump.addAll(List.of("-XX:ArchiveClassesAtExit=" + file, "-jar", Cli.jar().toString(), "cds-train"));
        Processes.run(dump, Duration.ofMinutes(2));
        if (Files.isRegularFile(file)) {
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
          archive = file;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> TestHost.deleteTree(dir)));
      } catch (IOException | RuntimeException | AssertionError e) {
        System.out.println("no class-data archive for the product's runs (they start slower): " + e);
      }
    }
    return java.util.Optional.ofNullable(archive);
  }
}
