package io.pgconverge.it;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs SQL against a test host's server with {@code psql}, the way a DBA on the host would: as
 * the postgres OS user over the Unix socket (peer authentication), or as another role with a
 * password over TCP on 127.0.0.1 (to prove that the password works).
 */
public final class Psql {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final TestHost host;

  public Psql(TestHost host) {
    this.host = host;
  }

  /** Runs {@code sql} as postgres and returns its unaligned, tuples-only output, trimmed. */
  public String query(String sql) {
    ProcessResult r = tryQuery(sql);
    if (r.exitCode() != 0) {
      throw new AssertionError("psql failed on " + host + "\n" + r.describe());
    }
    return r.stdout().trim();
  }

  /** Runs {@code sql} as postgres over the Unix socket; the caller judges the result. */
  public ProcessResult tryQuery(String sql) {
    return Processes.run(
        PostgresUser.command(
            List.of(
                psql(), "-X", "-A", "-t", "-w",
                "-h", host.socketDir().toString(),
                "-p", Integer.toString(host.port()),
                "-U", PostgresUser.NAME,
                "-d", "postgres",
                "-v", "ON_ERROR_STOP=1",
                "-c", sql)),
        Map.of("PGCONNECT_TIMEOUT", "10"),
        TIMEOUT);
  }

  /** {@code SHOW name}. */
  public String show(String setting) {
    return query("SHOW " + setting);
  }

  /**
   * Polls {@code sql} until it returns {@code expected} or {@code timeout} passes; returns the last
   * answer. For effects that are asynchronous by nature, such as a reload by hand.
   */
  public String await(String sql, String expected, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last;
    while (true) {
      last = query(sql);
      if (Objects.equals(last, expected) || System.nanoTime() > deadline) {
        return last;
      }
      sleep(100);
    }
  }

  /**
   * Runs {@code sql} as {@code role} with {@code password} (through PGPASSWORD, never the command
   * line) over TCP to 127.0.0.1, database postgres.
   */
  public ProcessResult queryAs(String role, String password, String sql) {
    return Processes.run(
        List.of(
            psql(), "-X", "-A", "-t", "-w",
            "-h", "127.0.0.1",
            "-p", Integer.toString(host.port()),
            "-U", role,
            "-d", "postgres",
            "-v", "ON_ERROR_STOP=1",
            "-c", sql),
        Map.of("PGPASSWORD", password, "PGCONNECT_TIMEOUT", "10", "PGSSLMODE", "disable"),
        TIMEOUT);
  }

  /** True when {@code role} can log in over TCP with {@code password}. */
  public boolean canLogIn(String role, String password) {
    ProcessResult r = queryAs(role, password, "select current_user");
    return r.exitCode() == 0 && r.stdout().trim().equals(role);
  }

  /**
   * True when {@code role} can log in over TCP to 127.0.0.1 with {@code password}, which psql reads
   * from a passfile (UTF-8, mode 0600, removed afterwards): unlike an environment variable, its
   * bytes do not depend on the test JVM's locale. libpq applies SASLprep to it, as for any password.
   */
  public boolean canLogInWithPassfile(String role, String password) {
    java.nio.file.Path passfile = null;
    try {
      passfile = java.nio.file.Files.createTempFile(host.dir(), ".pgpass-", "",
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      java.nio.file.Files.writeString(passfile, io.pgconverge.pg.Passfile.render("127.0.0.1", host.port(), role, password),
          java.nio.charset.StandardCharsets.UTF_8);
      ProcessResult r = Processes.run(
          List.of(psql(), "-X", "-A", "-t", "-w", "-h", "127.0.0.1", "-p", Integer.toString(host.port()), "-U", role,
              "-d", "postgres", "-c", "select current_user"),
          Map.of("PGPASSFILE", passfile.toString(), "PGCONNECT_TIMEOUT", "10", "PGSSLMODE", "disable"),
          TIMEOUT);
      return r.exitCode() == 0 && r.stdout().trim().equals(role);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      if (passfile != null) {
        try {
          java.nio.file.Files.deleteIfExists(passfile);
        } catch (java.io.IOException e) {
          // the host directory is deleted with the host
        }
      }
    }
  }

  private String psql() {
    return host.pgBin().resolve("psql").toString();
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
