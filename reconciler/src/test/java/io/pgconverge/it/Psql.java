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
