package io.pgconverge.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts, stops and inspects a test host's server by hand, as the postgres user with {@code
 * pg_ctl}: what an admin (or a crash) does behind the reconciler's back.
 */
public final class ServerControl {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  private final TestHost host;
  private final Psql psql;

  public ServerControl(TestHost host) {
    this.host = host;
    this.psql = new Psql(host);
  }

  /**
   * Starts the server on the host's port and socket directory and waits until it accepts
   * connections; its log goes to {@link #manualLog()}.
   */
  public void start() {
    ProcessResult r =
        pgCtl(
            "-l", manualLog().toString(),
            "-o", "-p " + host.port() + " -k '" + host.socketDir() + "'",
            "-w", "-t", "60", "start");
    if (r.exitCode() != 0) {
      throw new AssertionError(
          "pg_ctl start failed on " + host + "\n" + r.describe() + "\nserver log:\n"
              + (Files.exists(manualLog()) ? TestHost.read(manualLog()) : "(none)"));
    }
  }

  /** {@code pg_ctl stop -m fast}, waiting until the server is gone. */
  public void stop() {
    pgCtl("-m", "fast", "-w", "-t", "60", "stop").assertExit(0);
  }

  /** True when {@code pg_ctl status} finds a running server in the data directory. */
  public boolean isRunning() {
    return pgCtl("status").exitCode() == 0;
  }

  /** {@code pg_postmaster_start_time()}: changes exactly when the server restarts. */
  public String startTime() {
    return psql.query("select pg_postmaster_start_time()");
  }

  /**
   * {@code pg_conf_load_time()} as a new session sees it: the postmaster's last (re)load of the
   * config files; changes exactly when the server reloads or restarts.
   */
  public String configLoadTime() {
    return psql.query("select pg_conf_load_time()");
  }

  /** Where {@link #start()} sends the server's log (in the host directory, not in PGDATA). */
  public Path manualLog() {
    return host.dir().resolve("manual-start.log");
  }

  private ProcessResult pgCtl(String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(host.pgBin().resolve("pg_ctl").toString());
    argv.add("-D");
    argv.add(host.data().toString());
    argv.addAll(List.of(args));
    return Processes.run(PostgresUser.command(argv), TIMEOUT);
  }
}
