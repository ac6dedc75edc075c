package io.pgconverge.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One simulated database host: a temporary directory, a free TCP port, password files and a
 * desired-state file describing a single primary whose data directory lives inside it.
 *
 * <p>Layout of the directory (owned by the postgres user, mode 0755, so that the reconciler,
 * which re-executes itself as that user, can create the data directory and its staging
 * directory beside it, and the server can put its socket there):
 *
 * <pre>
 *   /tmp/pgc-it-XXXX/
 *     desired-state.yaml        written by {@link #writeDesired()}
 *     app.password              0640, owned by postgres
 *     replicator.password       0640, owned by postgres
 *     .s.PGSQL.&lt;port&gt;         the server's Unix socket (socket_directory is the directory itself)
 *     data/                     PGDATA, made by the product (or by {@link #makeDataDirectory()})
 * </pre>
 *
 * <p>{@link #close()} stops any server running in {@code data/} and deletes the directory.
 */
public final class TestHost implements AutoCloseable {
  /** Where the PostgreSQL binaries are; {@code -Dpgconverge.it.pgbin} overrides. */
  public static final Path PG_BIN =
      Paths.get(System.getProperty("pgconverge.it.pgbin", "/usr/lib/postgresql/15/bin"));

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final int port;
  private final DesiredStateFile desired;
  private final Map<String, String> passwords = new LinkedHashMap<>();
  private final Set<String> secrets = new LinkedHashSet<>();

  private TestHost(Path dir, int port) {
    this.dir = dir;
    this.port = port;
    this.desired = new DesiredStateFile(port, PG_BIN, data(), socketDir(), dir);
  }

  /**
   * Makes the directory, picks a port, writes a fresh random password for {@code app} and
   * {@code replicator} and the seed desired state.
   */
  public static TestHost create() {
    if (!Files.isExecutable(PG_BIN.resolve("postgres"))) {
      throw new IllegalStateException(
          "PostgreSQL server binaries not found in " + PG_BIN
              + " (install postgresql-15, or point -Dpgconverge.it.pgbin at a bin directory)");
    }
    Path dir;
    try {
      dir =
          Files.createTempDirectory(
              "pgc-it-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      PostgresUser.chown(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a temporary host directory", e);
    }
    TestHost host = new TestHost(dir, freePort());
    try {
      host.writePassword("replicator", randomPassword());
      host.writePassword("app", randomPassword());
      host.writeDesired();
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
    return host;
  }

  /** A TCP port on 127.0.0.1 that was free a moment ago. */
  public static int freePort() {
    return distinctFreePorts(1).get(0);
  }

  /**
   * {@code count} different TCP ports on 127.0.0.1 that were free a moment ago, all held open
   * together while they are picked: ports picked one after another can repeat (the kernel hands a
   * just-closed port out again), and two peers or two etcd members on one address is a broken
   * test setup (the loader rightly refuses the first, the second cannot start).
   */
  public static List<Integer> distinctFreePorts(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        held.add(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")));
      }
      return held.stream().map(ServerSocket::getLocalPort).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // a listening socket that was never accepted on: nothing to lose
        }
      }
    }
  }

  /** 24 random hex characters: unlikely to appear in any output by accident. */
  public static String randomPassword() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  public Path dir() {
    return dir;
  }

  public int port() {
    return port;
  }

  public Path pgBin() {
    return PG_BIN;
  }

  public Path data() {
    return dir.resolve("data");
  }

  public Path socketDir() {
    return dir;
  }

  public Path desiredStateFile() {
    return dir.resolve("desired-state.yaml");
  }

  public Path postgresqlConf() {
    return data().resolve("postgresql.conf");
  }

  public Path hbaConf() {
    return data().resolve("pg_hba.conf");
  }

  public Path autoConf() {
    return data().resolve("postgresql.auto.conf");
  }

  public Path passwordFile(String role) {
    return dir.resolve(role + ".password");
  }

  /** The password currently in {@code role}'s password file. */
  public String password(String role) {
    return Optional.ofNullable(passwords.get(role))
        .orElseThrow(() -> new IllegalArgumentException("no password written for " + role));
  }

  /** Every password this host has ever used: none of them may appear in any output. */
  public Set<String> secrets() {
    return Set.copyOf(secrets);
  }

  /** Adds a password set some other way (for example by SQL) to {@link #secrets()}. */
  public void rememberSecret(String secret) {
    secrets.add(secret);
  }

  /**
   * Writes {@code password} (plus a newline, as {@code echo} would) to {@code role}'s password
   * file, mode 0640, owned by the postgres user.
   */
  public void writePassword(String role, String password) {
    Path file = passwordFile(role);
    try {
      Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
      PostgresUser.chown(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    passwords.put(role, password);
    secrets.add(password);
  }

  /** The builder for the desired state; call {@link #writeDesired()} after changing it. */
  public DesiredStateFile desired() {
    return desired;
  }

  /** Writes {@link #desired()} to {@link #desiredStateFile()} and returns that path. */
  public Path writeDesired() {
    return writeDesired(desired.render());
  }

  /** Writes arbitrary YAML text to {@link #desiredStateFile()} and returns that path. */
  public Path writeDesired(String yaml) {
    Path file = desiredStateFile();
    try {
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }

  /** Creates an empty data directory owned by the postgres user, mode 0700, as an admin would. */
  public Path makeDataDirectory() {
    try {
      Files.createDirectories(data());
      Files.setPosixFilePermissions(data(), PosixFilePermissions.fromString("rwx------"));
      PostgresUser.chown(data());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make " + data(), e);
    }
    return data();
  }

  /** The text of {@code file}. */
  public static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * Replaces the contents of a file in place (keeping its owner and mode), as an admin editing it
   * by hand would.
   */
  public static void edit(Path file, String newContent) {
    try {
      Files.writeString(file, newContent, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Stops a server running in {@link #data()} (immediate mode; killed if that does not work) and
   * deletes the directory.
   */
  @Override
  public void close() {
    try {
      stopServer();
    } finally {
      deleteTree(dir);
    }
  }

  private void stopServer() {
    Path pid = data().resolve("postmaster.pid");
    if (!Files.exists(pid)) {
      return;
    }
    try {
      Processes.run(
          PostgresUser.command(
              List.of(
                  PG_BIN.resolve("pg_ctl").toString(), "-D", data().toString(),
                  "-m", "immediate", "-w", "-t", "30", "stop")),
          STOP_TIMEOUT);
    } catch (AssertionError | RuntimeException e) {
      // fall through to the kill below
    }
    if (Files.exists(pid)) {
      try (Stream<String> lines = Files.lines(pid)) {
        lines.findFirst().map(String::trim).filter(s -> s.matches("[0-9]+"))
            .flatMap(s -> ProcessHandle.of(Long.parseLong(s)))
            .ifPresent(ProcessHandle::destroyForcibly);
      } catch (IOException ignored) {
        // nothing more we can do
      }
    }
  }

  /** Deletes {@code root}; retried once, since a dying server may still remove its own files. */
  static void deleteTree(Path root) {
    try {
      deleteTreeOnce(root);
    } catch (UncheckedIOException e) {
      Psql.sleep(500);
      deleteTreeOnce(root);
    }
  }

  private static void deleteTreeOnce(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot delete " + p, e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }

  @Override
  public String toString() {
    return "TestHost[" + dir + ", port " + port + "]";
  }
}
